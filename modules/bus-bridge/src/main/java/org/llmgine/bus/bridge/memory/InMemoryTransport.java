package org.llmgine.bus.bridge.memory;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.jspecify.annotations.Nullable;
import org.llmgine.bus.bridge.spi.InboundDelivery;
import org.llmgine.bus.bridge.spi.InboundSink;
import org.llmgine.bus.bridge.spi.Subscription;
import org.llmgine.bus.bridge.spi.Transport;
import org.llmgine.bus.bridge.spi.TransportRecord;

/**
 * A transport inside one JVM, for connecting buses in tests and for testing an application's
 * handlers against what a real broker does: topics of a fixed number of partitions (a record's
 * partition follows its key, so a key's records keep their order), consumer groups whose members
 * share the partitions, committed positions that advance only over contiguous done records, and a
 * rebalance on every join and leave that hands a partition to its new member from the committed
 * position (so records not done are delivered again). Knobs make the broker's rarer behaviour
 * happen on purpose: {@link Builder#duplicateEvery} delivers every n-th record twice,
 * {@link Builder#reorderAcrossKeys} interleaves partitions at random (each partition stays in
 * order), and {@link #rebalance} forces a redelivery of everything not committed.
 *
 * <p>Concurrency: one lock guards the topics, groups and positions; each subscription delivers on a
 * virtual thread of its own, outside the lock, so a sink may call back into the transport.
 */
public final class InMemoryTransport implements Transport {

    /** Records one delivery round takes from a partition. */
    private static final int BATCH = 64;

    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private final Map<String, List<TransportRecord>[]> topics = new HashMap<>();
    private final Map<String, Group> groups = new HashMap<>();
    private final int partitions;
    private final int duplicateEvery;
    private final boolean reorder;
    private final SplittableRandom random;
    private final AtomicLong delivered = new AtomicLong();
    private final AtomicLong roundRobin = new AtomicLong();
    private boolean closed;

    private InMemoryTransport(Builder builder) {
        this.partitions = builder.partitions;
        this.duplicateEvery = builder.duplicateEvery;
        this.reorder = builder.reorder;
        this.random = new SplittableRandom(builder.seed);
    }

    /**
     * A transport of 4 partitions per topic, without faults.
     *
     * @return the transport
     */
    public static InMemoryTransport create() {
        return builder().build();
    }

    /**
     * Starts a transport with knobs.
     *
     * @return a builder
     */
    public static Builder builder() {
        return new Builder();
    }

    /** A consumer group: its members, and per topic and partition the committed position and the done records above it. */
    private static final class Group {
        final List<Member> members = new ArrayList<>();
        final Map<String, long[]> committed = new HashMap<>();
        final Map<String, List<TreeSet<Long>>> done = new HashMap<>();
    }

    /** A partition of a topic. */
    private record Part(String topic, int partition) {
    }

    @Override
    public CompletableFuture<Void> send(TransportRecord record) {
        Objects.requireNonNull(record, "record");
        lock.lock();
        try {
            if (closed) {
                return CompletableFuture.failedFuture(new IllegalStateException(describe() + " is closed; cannot send to "
                        + record.topic()));
            }
            String key = record.key();
            int partition = key == null ? (int) (roundRobin.getAndIncrement() % partitions)
                    : Math.floorMod(key.hashCode(), partitions);
            log(record.topic())[partition].add(record);
            changed.signalAll();
        } finally {
            lock.unlock();
        }
        return CompletableFuture.completedFuture(null);
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    private List<TransportRecord>[] log(String topic) {
        return topics.computeIfAbsent(topic, t -> {
            List<TransportRecord>[] logs = new List[partitions];
            for (int i = 0; i < partitions; i++) {
                logs[i] = new ArrayList<>();
            }
            return logs;
        });
    }

    @Override
    public Subscription subscribe(Set<String> topicNames, String group, InboundSink sink) {
        Objects.requireNonNull(group, "group");
        Objects.requireNonNull(sink, "sink");
        if (topicNames.isEmpty()) {
            throw new IllegalArgumentException("a subscription of group '" + group + "' needs at least one topic");
        }
        lock.lock();
        try {
            if (closed) {
                throw new IllegalStateException(describe() + " is closed; cannot subscribe group " + group);
            }
            Group g = groups.computeIfAbsent(group, x -> new Group());
            var member = new Member(group, g, Set.copyOf(topicNames), sink);
            for (String topic : topicNames) {
                log(topic);
                g.committed.computeIfAbsent(topic, t -> new long[partitions]);
                g.done.computeIfAbsent(topic, t -> {
                    List<TreeSet<Long>> sets = new ArrayList<>();
                    for (int i = 0; i < partitions; i++) {
                        sets.add(new TreeSet<>());
                    }
                    return sets;
                });
            }
            g.members.add(member);
            assign(g);
            member.thread = Thread.ofVirtual().name("in-memory-transport-" + group).start(member::run);
            return member;
        } finally {
            lock.unlock();
        }
    }

    /** Hands every partition of the group's topics to one member, each from the committed position; under the lock. */
    private void assign(Group g) {
        List<Member> live = g.members;
        for (Member m : live) {
            m.assigned.clear();
        }
        if (!live.isEmpty()) {
            int next = 0;
            for (String topic : g.committed.keySet()) {
                for (int p = 0; p < partitions; p++) {
                    Member owner = null;
                    for (int tries = 0; tries < live.size() && owner == null; tries++) {
                        Member candidate = live.get((next + tries) % live.size());
                        if (candidate.topics.contains(topic)) {
                            owner = candidate;
                            next = (next + tries + 1) % live.size();
                        }
                    }
                    if (owner != null) {
                        owner.assigned.put(new Part(topic, p), g.committed.get(topic)[p]);
                    }
                }
            }
        }
        changed.signalAll();
    }

    /**
     * Forces a rebalance of a group, as a broker does when a member is slow or the group changes:
     * every partition starts again from its committed position, so records not done (and done
     * records above a gap) are delivered again.
     *
     * @param group the group
     */
    public void rebalance(String group) {
        lock.lock();
        try {
            Group g = groups.get(group);
            if (g != null) {
                assign(g);
            }
        } finally {
            lock.unlock();
        }
    }

    /**
     * Returns how many records the topic holds, over all partitions.
     *
     * @param topic the topic
     * @return the records sent to it
     */
    public long size(String topic) {
        lock.lock();
        try {
            List<TransportRecord>[] logs = topics.get(topic);
            long n = 0;
            if (logs != null) {
                for (List<TransportRecord> log : logs) {
                    n += log.size();
                }
            }
            return n;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Returns how many records of the topic the group has not committed yet: the backlog.
     *
     * @param topic the topic
     * @param group the group
     * @return the records above the group's committed positions
     */
    public long lag(String topic, String group) {
        lock.lock();
        try {
            Group g = groups.get(group);
            List<TransportRecord>[] logs = topics.get(topic);
            if (logs == null) {
                return 0;
            }
            long[] committed = g == null ? null : g.committed.get(topic);
            long lag = 0;
            for (int p = 0; p < partitions; p++) {
                lag += logs[p].size() - (committed == null ? 0 : committed[p]);
            }
            return lag;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Returns how many deliveries the transport made, duplicates included.
     *
     * @return the deliveries so far
     */
    public long delivered() {
        return delivered.get();
    }

    @Override
    public String describe() {
        return "in-memory-transport[partitions=" + partitions + (duplicateEvery > 0 ? ", duplicateEvery=" + duplicateEvery : "")
                + (reorder ? ", reorderAcrossKeys" : "") + "]";
    }

    @Override
    public void close() {
        List<Member> all = new ArrayList<>();
        lock.lock();
        try {
            closed = true;
            groups.values().forEach(g -> all.addAll(g.members));
        } finally {
            lock.unlock();
        }
        all.forEach(Member::close);
    }

    @Override
    public String toString() {
        return describe();
    }

    /** A member of a group: its partitions and their fetch positions, and the thread that delivers them. */
    private final class Member implements Subscription {
        final String group;
        final Group g;
        final Set<String> topics;
        final InboundSink sink;
        final Map<Part, Long> assigned = new HashMap<>();
        @Nullable Thread thread;
        boolean paused;
        boolean stopped;

        Member(String group, Group g, Set<String> topics, InboundSink sink) {
            this.group = group;
            this.g = g;
            this.topics = topics;
            this.sink = sink;
        }

        /** A record to deliver and where it is. */
        private record Fetched(Part part, long offset, TransportRecord record) {
        }

        void run() {
            while (true) {
                List<Fetched> batch = new ArrayList<>();
                lock.lock();
                try {
                    while (!stopped && (paused || (batch = fetch()).isEmpty())) {
                        changed.awaitUninterruptibly();
                    }
                    if (stopped) {
                        return;
                    }
                } finally {
                    lock.unlock();
                }
                for (Fetched f : batch) {
                    deliver(f);
                    if (duplicateEvery > 0 && delivered.get() % duplicateEvery == 0) {
                        deliver(f);
                    }
                }
            }
        }

        /** Takes the next records of every assigned partition and moves the fetch positions past them; under the lock. */
        private List<Fetched> fetch() {
            List<List<Fetched>> perPartition = new ArrayList<>();
            for (Map.Entry<Part, Long> e : assigned.entrySet()) {
                List<TransportRecord> log = InMemoryTransport.this.topics.get(e.getKey().topic())[e.getKey().partition()];
                long from = e.getValue();
                long to = Math.min(log.size(), from + BATCH);
                if (to > from) {
                    List<Fetched> records = new ArrayList<>();
                    for (long o = from; o < to; o++) {
                        records.add(new Fetched(e.getKey(), o, log.get((int) o)));
                    }
                    perPartition.add(records);
                    e.setValue(to);
                }
            }
            List<Fetched> out = new ArrayList<>();
            if (!reorder) {
                perPartition.forEach(out::addAll);
                return out;
            }
            int[] next = new int[perPartition.size()];
            int left = perPartition.stream().mapToInt(List::size).sum();
            while (left > 0) {
                int p = random.nextInt(perPartition.size());
                if (next[p] < perPartition.get(p).size()) {
                    out.add(perPartition.get(p).get(next[p]++));
                    left--;
                }
            }
            return out;
        }

        private void deliver(Fetched f) {
            delivered.incrementAndGet();
            var delivery = new InboundDelivery() {
                @Override
                public TransportRecord record() {
                    return f.record();
                }

                @Override
                public String position() {
                    return f.part().topic() + "-" + f.part().partition() + "@" + f.offset();
                }

                @Override
                public void done() {
                    markDone(f.part(), f.offset());
                }
            };
            try {
                sink.accept(delivery);
            } catch (RuntimeException e) {
                System.getLogger("org.llmgine.bus.bridge").log(System.Logger.Level.ERROR, "the sink of group " + group
                        + " threw on " + delivery.position() + "; the record stays not done", e);
            }
        }

        private void markDone(Part part, long offset) {
            lock.lock();
            try {
                long[] committed = g.committed.get(part.topic());
                TreeSet<Long> done = g.done.get(part.topic()).get(part.partition());
                if (offset < committed[part.partition()]) {
                    return;
                }
                done.add(offset);
                while (done.remove(committed[part.partition()])) {
                    committed[part.partition()]++;
                }
            } finally {
                lock.unlock();
            }
        }

        @Override
        public void pause() {
            lock.lock();
            try {
                paused = true;
            } finally {
                lock.unlock();
            }
        }

        @Override
        public void resume() {
            lock.lock();
            try {
                paused = false;
                changed.signalAll();
            } finally {
                lock.unlock();
            }
        }

        @Override
        public boolean isPaused() {
            lock.lock();
            try {
                return paused;
            } finally {
                lock.unlock();
            }
        }

        @Override
        public void close() {
            Thread t;
            lock.lock();
            try {
                if (stopped) {
                    return;
                }
                stopped = true;
                g.members.remove(this);
                assign(g);
                t = thread;
            } finally {
                lock.unlock();
            }
            if (t != null && t != Thread.currentThread()) {
                try {
                    t.join();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        }
    }

    /** Builds an {@link InMemoryTransport}. */
    public static final class Builder {
        private int partitions = 4;
        private int duplicateEvery;
        private boolean reorder;
        private long seed = 42;

        private Builder() {
        }

        /**
         * Sets the partitions of every topic.
         *
         * @param partitions at least 1; default 4
         * @return this builder
         */
        public Builder partitions(int partitions) {
            if (partitions < 1) {
                throw new IllegalArgumentException("partitions must be at least 1, but was " + partitions);
            }
            this.partitions = partitions;
            return this;
        }

        /**
         * Delivers every n-th record twice in a row, as a broker does after a lost commit.
         *
         * @param n at least 2, or 0 for never (the default)
         * @return this builder
         */
        public Builder duplicateEvery(int n) {
            if (n != 0 && n < 2) {
                throw new IllegalArgumentException("duplicateEvery must be 0 (never) or at least 2, but was " + n);
            }
            this.duplicateEvery = n;
            return this;
        }

        /**
         * Interleaves the records of different partitions at random (each partition keeps its order),
         * as records of different keys arrive from a real broker.
         *
         * @param seed the random seed, for a repeatable order
         * @return this builder
         */
        public Builder reorderAcrossKeys(long seed) {
            this.reorder = true;
            this.seed = seed;
            return this;
        }

        /**
         * Builds the transport.
         *
         * @return the transport
         */
        public InMemoryTransport build() {
            return new InMemoryTransport(this);
        }
    }
}
