package org.llmgine.bus;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.lists;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;
import org.llmgine.bus.handler.Priority;
import org.llmgine.bus.message.Event;
import org.llmgine.bus.spi.BusObserver;
import org.llmgine.bus.spi.MessageView;

/** Properties of priorities and water marks under random publishers, sessions and speeds. */
final class QueuePropertiesTest {

    private static final int[] LEVELS = {Priority.HIGHEST, Priority.HIGH, Priority.NORMAL, Priority.LOW, Priority.LOWEST};

    record Job(int publisher, int seq) implements Event {}

    /** One handled event: its id (acceptance order) and priority. */
    record Seen(long id, int priority) {}

    @Test
    void withinASession_noEventIsHandledBeforeAnOlderEventThatIsAtLeastAsUrgent() {
        qt().withExamples(40).withShrinkCycles(20)
                .forAll(lists().of(integers().between(0, LEVELS.length - 1)).ofSizeBetween(1, 200),
                        integers().between(1, 4), integers().between(1, 3), integers().between(1, 8))
                .checkAssert((priorities, sessions, publishers, starvationLimit) -> {
                    Map<String, List<Seen>> seen = new ConcurrentHashMap<>();
                    try (var bus = MessageBus.builder().name("prop-priority-order").starvationLimit(starvationLimit)
                            .build()) {
                        List<Session> opened = new ArrayList<>();
                        for (int s = 0; s < sessions; s++) {
                            Session session = bus.openSession("s" + s);
                            opened.add(session);
                            var log = new CopyOnWriteArrayList<Seen>();
                            seen.put(session.id(), log);
                            session.registerEventHandler(Job.class, (job, ctx) -> log.add(new Seen(ctx.messageId().sequence(),
                                    ctx.priority())));
                        }
                        boolean startFirst = priorities.size() % 2 == 0; // half the runs publish while dispatching
                        if (startFirst) {
                            bus.start();
                        }
                        DeliveryPropertiesTest.runConcurrently(publishers, p -> {
                            for (int i = p; i < priorities.size(); i += publishers) {
                                opened.get(i % sessions).publish(new Job(p, i),
                                        PublishOptions.defaults().withPriority(LEVELS[priorities.get(i)]));
                            }
                        });
                        bus.start();
                        assertTrue(bus.awaitIdle(Duration.ofSeconds(30)));
                    } catch (InterruptedException e) {
                        throw new IllegalStateException(e);
                    }
                    seen.forEach((session, log) -> {
                        for (int i = 0; i < log.size(); i++) {
                            for (int j = i + 1; j < log.size(); j++) {
                                Seen earlier = log.get(i);
                                Seen later = log.get(j);
                                assertFalse(later.id() < earlier.id() && later.priority() <= earlier.priority(),
                                        session + ": event " + later + " was handled after the newer, less urgent "
                                                + earlier);
                            }
                        }
                    });
                });
    }

    /** Records the backpressure transitions the dispatcher reports. */
    static final class Crossings implements BusObserver {
        final ConcurrentLinkedQueue<String> seen = new ConcurrentLinkedQueue<>();

        @Override
        public void onBackpressureChanged(MessageBus bus, boolean active, int queueSize) {
            seen.add((active ? "on@" : "off@") + queueSize);
        }
    }

    @Test
    void backpressureAlternatesOnAndOff_onlyAtTheMarks_neverFlapping() {
        qt().withExamples(40).withShrinkCycles(20)
                .forAll(integers().between(2, 40), integers().between(1, 9), lists().of(integers().between(1, 60))
                        .ofSizeBetween(1, 8), integers().between(0, 30))
                .checkAssert((capacity, lowTenths, bursts, slow) -> {
                    double low = lowTenths / 10.0;
                    double high = Math.min(1.0, low + 0.1 + (capacity % 5) / 10.0);
                    var crossings = new Crossings();
                    BusStats stats;
                    try (var bus = MessageBus.builder().name("prop-marks").queueCapacity(capacity).waterMarks(high, low)
                            .overflowStrategy(OverflowStrategy.REJECT_NEW).addObserver(crossings).start()) {
                        bus.subscribe(Job.class, job -> LockSupport.parkNanos(slow * 1_000L));
                        for (int burst : bursts) {
                            for (int i = 0; i < burst; i++) {
                                bus.publish(new Job(0, i));
                            }
                            assertTrue(bus.awaitIdle(Duration.ofSeconds(30)));
                        }
                        stats = bus.stats();
                    } catch (InterruptedException e) {
                        throw new IllegalStateException(e);
                    }
                    var config = MessageBus.builder().queueCapacity(capacity).waterMarks(high, low).config();
                    List<String> list = List.copyOf(crossings.seen);
                    for (int i = 0; i < list.size(); i++) {
                        String expected = i % 2 == 0 ? "on@" : "off@";
                        assertTrue(list.get(i).startsWith(expected), "not alternating: " + list);
                        int size = Integer.parseInt(list.get(i).substring(expected.length()));
                        if (i % 2 == 0) {
                            assertTrue(size >= config.highMark(), "on below the high mark: " + list);
                        } else {
                            assertEquals(config.lowMark(), size, "off away from the low mark: " + list);
                        }
                    }
                    assertEquals((list.size() + 1) / 2, stats.queue().highWaterHits());
                    assertEquals(list.size() % 2 == 1, stats.queue().backpressureActive());
                    assertTrue(stats.queue().largestSize() <= capacity, "queue held " + stats.queue().largestSize());
                });
    }

    /**
     * The starvation guard's bound: every run of {@code starvationLimit} takes by priority is
     * followed by a take of the oldest waiting event, so before an event is handled at most
     * {@code starvationLimit × (events older than it + 1)} newer events can overtake it.
     */
    @Test
    void lowPriorityIsNeverStarved_overtakingIsBoundedByTheStarvationLimit() {
        qt().withExamples(60).withShrinkCycles(30)
                .forAll(lists().of(integers().between(0, LEVELS.length - 1)).ofSizeBetween(1, 200),
                        integers().between(1, 10))
                .checkAssert((priorities, limit) -> {
                    List<Long> handled = new CopyOnWriteArrayList<>();
                    try (var bus = MessageBus.builder().name("prop-starvation").starvationLimit(limit).build()) {
                        bus.registerEventHandler(Job.class, (job, ctx) -> handled.add(ctx.messageId().sequence()));
                        for (int i = 0; i < priorities.size(); i++) {
                            bus.publish(new Job(0, i), PublishOptions.defaults().withPriority(LEVELS[priorities.get(i)]));
                        }
                        bus.start();
                        assertTrue(bus.awaitIdle(Duration.ofSeconds(30)));
                    } catch (InterruptedException e) {
                        throw new IllegalStateException(e);
                    }
                    assertEquals(priorities.size(), handled.size());
                    for (int position = 0; position < handled.size(); position++) {
                        long id = handled.get(position);
                        long older = id - 1; // ids are 1..n in publish order
                        long newerBefore = handled.subList(0, position).stream().filter(other -> other > id).count();
                        assertTrue(newerBefore <= (long) limit * (older + 1), "event " + id + " was overtaken by "
                                + newerBefore + " newer events with starvationLimit " + limit + ": " + handled);
                    }
                });
    }
}
