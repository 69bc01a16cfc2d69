package org.llmgine.bus.bridge.spi;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * The conformance checks of a {@link Transport}: what the bridge relies on, as plain methods that
 * throw {@link AssertionError} naming what broke, so any test framework can run them against any
 * transport (this project runs them against the in-memory transport and against a real Kafka
 * broker). Each check takes a fresh transport and topic names of its own.
 */
@SuppressWarnings("try") // subscriptions are held open by try-with-resources and only closed by it
public final class TransportChecks {

    private final Supplier<Transport> transports;
    private final Duration wait;

    /**
     * Creates the checks.
     *
     * @param transports makes a fresh transport for each check (closed by the check)
     * @param wait how long a check waits for records to arrive before it fails
     */
    public TransportChecks(Supplier<Transport> transports, Duration wait) {
        this.transports = transports;
        this.wait = wait;
    }

    /**
     * Every record sent arrives, with its key, headers and value, and the records of each key in
     * the order they were sent; a record without a key arrives too.
     *
     * @param topic a topic of the check's own
     * @throws Exception if the transport fails
     */
    public void recordsArriveWhole_andInOrderPerKey(String topic) throws Exception {
        try (Transport t = transports.get()) {
            Map<String, List<Integer>> byKey = new ConcurrentHashMap<>();
            List<TransportRecord> all = new CopyOnWriteArrayList<>();
            try (Subscription s = t.subscribe(Set.of(topic), "order-" + topic, d -> {
                all.add(d.record());
                byKey.computeIfAbsent(String.valueOf(d.record().key()), k -> new CopyOnWriteArrayList<>())
                        .add(Integer.parseInt(d.record().value()));
                d.done();
            })) {
                List<CompletableFuture<Void>> sent = new ArrayList<>();
                for (int i = 0; i < 300; i++) {
                    sent.add(t.send(new TransportRecord(topic, "key-" + (i % 10), Map.of("n", String.valueOf(i)),
                            String.valueOf(i))));
                }
                sent.add(t.send(new TransportRecord(topic, null, Map.of(), "300")));
                CompletableFuture.allOf(sent.toArray(CompletableFuture[]::new)).get(wait.toMillis(), TimeUnit.MILLISECONDS);
                await(() -> all.size() >= 301, () -> "301 records on " + topic + ", got " + all.size());
            }
            for (int k = 0; k < 10; k++) {
                List<Integer> got = byKey.get("key-" + k);
                List<Integer> expected = new ArrayList<>();
                for (int i = k; i < 300; i += 10) {
                    expected.add(i);
                }
                check(expected.equals(got), "key-" + k + " in send order: expected " + expected + " but got " + got);
            }
            check(byKey.get("null") != null && byKey.get("null").equals(List.of(300)), "the record without a key arrived");
            for (TransportRecord r : all) {
                if (r.key() != null) {
                    check(r.value().equals(r.header("n")), "headers travel with their record: " + r);
                }
            }
        }
    }

    /**
     * The members of one group share the records (every record reaches the group, and both members
     * get some once both hold partitions), and another group gets every record as well.
     *
     * @param topic a topic of the check's own
     * @throws Exception if the transport fails
     */
    public void aGroupShares_andEachGroupGetsEverything(String topic) throws Exception {
        try (Transport t = transports.get()) {
            Map<String, Set<String>> seenBy = new ConcurrentHashMap<>();
            List<String> otherGroup = new CopyOnWriteArrayList<>();
            InboundSink a = d -> {
                seenBy.computeIfAbsent(d.record().value(), v -> ConcurrentHashMap.newKeySet()).add("a");
                d.done();
            };
            InboundSink b = d -> {
                seenBy.computeIfAbsent(d.record().value(), v -> ConcurrentHashMap.newKeySet()).add("b");
                d.done();
            };
            try (Subscription sa = t.subscribe(Set.of(topic), "shared-" + topic, a);
                    Subscription sb = t.subscribe(Set.of(topic), "shared-" + topic, b);
                    Subscription other = t.subscribe(Set.of(topic), "other-" + topic, d -> {
                        otherGroup.add(d.record().value());
                        d.done();
                    })) {
                // until both members hold partitions (a join takes a rebalance), records may all go to one
                int sentCount = 0;
                long deadline = System.nanoTime() + wait.toNanos();
                while (!bothGot(seenBy) && System.nanoTime() < deadline) {
                    for (int i = 0; i < 20; i++, sentCount++) {
                        t.send(new TransportRecord(topic, "k" + sentCount, Map.of(), String.valueOf(sentCount)))
                                .get(wait.toMillis(), TimeUnit.MILLISECONDS);
                    }
                    Thread.sleep(20);
                }
                int total = sentCount;
                await(() -> seenBy.size() == total && new HashSet<>(otherGroup).size() == total,
                        () -> total + " records to the shared group and to the other; got " + seenBy.size() + " and "
                                + new HashSet<>(otherGroup).size());
            }
            Set<String> members = new HashSet<>();
            seenBy.values().forEach(members::addAll);
            check(members.equals(Set.of("a", "b")), "both members of the group got records: " + members);
        }
    }

    /**
     * A record its member did not mark done is delivered again to the member that takes its
     * partition over once the first one leaves; records marked done are not (the group's position
     * moved past them).
     *
     * @param topic a topic of the check's own
     * @throws Exception if the transport fails
     */
    public void recordsNotDone_areDeliveredAgain_afterTheirMemberLeaves(String topic) throws Exception {
        try (Transport t = transports.get()) {
            String group = "redeliver-" + topic;
            List<String> first = new CopyOnWriteArrayList<>();
            Subscription sa = t.subscribe(Set.of(topic), group, d -> {
                first.add(d.record().value());
                if (Integer.parseInt(d.record().value()) < 5) {
                    d.done();
                }
            });
            for (int i = 0; i < 10; i++) {
                t.send(new TransportRecord(topic, "one-key", Map.of(), String.valueOf(i))).get(wait.toMillis(),
                        TimeUnit.MILLISECONDS);
            }
            await(() -> first.size() >= 10, () -> "the first member got the 10 records: " + first);
            sa.close();
            List<String> second = new CopyOnWriteArrayList<>();
            try (Subscription sb = t.subscribe(Set.of(topic), group, d -> {
                second.add(d.record().value());
                d.done();
            })) {
                await(() -> second.size() >= 5, () -> "records 5-9 again for the second member: " + second);
            }
            check(second.subList(0, 5).equals(List.of("5", "6", "7", "8", "9")),
                    "the second member resumed after the last done record: " + second);
        }
    }

    /**
     * A paused subscription gets its records once resumed; nothing is lost by pausing.
     *
     * @param topic a topic of the check's own
     * @throws Exception if the transport fails
     */
    public void aPausedSubscription_getsItsRecordsOnceResumed(String topic) throws Exception {
        try (Transport t = transports.get()) {
            Set<String> got = ConcurrentHashMap.newKeySet();
            try (Subscription s = t.subscribe(Set.of(topic), "pause-" + topic, d -> {
                got.add(d.record().value());
                d.done();
            })) {
                t.send(new TransportRecord(topic, "k", Map.of(), "before")).get(wait.toMillis(), TimeUnit.MILLISECONDS);
                await(() -> got.contains("before"), () -> "the first record before the pause");
                s.pause();
                check(s.isPaused(), "paused after pause()");
                for (int i = 0; i < 50; i++) {
                    t.send(new TransportRecord(topic, "k" + i, Map.of(), "during-" + i)).get(wait.toMillis(),
                            TimeUnit.MILLISECONDS);
                }
                s.resume();
                check(!s.isPaused(), "running after resume()");
                await(() -> got.size() == 51, () -> "every record after the resume: " + got.size() + " of 51");
            }
        }
    }

    private static boolean bothGot(Map<String, Set<String>> seenBy) {
        Set<String> members = new HashSet<>();
        seenBy.values().forEach(members::addAll);
        return members.size() == 2;
    }

    private void await(BooleanSupplier condition, Supplier<String> what) throws InterruptedException {
        long deadline = System.nanoTime() + wait.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("within " + wait + ": " + what.get());
            }
            Thread.sleep(5);
        }
    }

    private static void check(boolean condition, String what) {
        if (!condition) {
            throw new AssertionError(what);
        }
    }

    /**
     * Runs every check, each on topics named after {@code prefix}.
     *
     * @param prefix a prefix of topic names no other test uses
     * @return the name of each check that failed and why (empty if all passed)
     */
    public Map<String, String> runAll(String prefix) {
        Map<String, String> failed = new HashMap<>();
        run(failed, "recordsArriveWhole_andInOrderPerKey", () -> recordsArriveWhole_andInOrderPerKey(prefix + "-order"));
        run(failed, "aGroupShares_andEachGroupGetsEverything", () -> aGroupShares_andEachGroupGetsEverything(prefix + "-share"));
        run(failed, "recordsNotDone_areDeliveredAgain_afterTheirMemberLeaves",
                () -> recordsNotDone_areDeliveredAgain_afterTheirMemberLeaves(prefix + "-again"));
        run(failed, "aPausedSubscription_getsItsRecordsOnceResumed",
                () -> aPausedSubscription_getsItsRecordsOnceResumed(prefix + "-pause"));
        return failed;
    }

    private interface Check {
        void run() throws Exception;
    }

    private static void run(Map<String, String> failed, String name, Check check) {
        try {
            check.run();
        } catch (Exception | AssertionError e) {
            failed.put(name, String.valueOf(e));
        }
    }
}
