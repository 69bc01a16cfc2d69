package org.llmgine.bus.bridge;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import org.h2.jdbcx.JdbcDataSource;
import org.junit.jupiter.api.Test;
import org.llmgine.bus.MessageBus;
import org.llmgine.bus.bridge.spi.InboundSink;
import org.llmgine.bus.bridge.spi.Subscription;
import org.llmgine.bus.bridge.spi.Transport;
import org.llmgine.bus.bridge.spi.TransportRecord;
import org.llmgine.bus.store.jdbc.JdbcStores;

/**
 * The durable dedup across the instances of a group: records a first instance handled, delivered
 * again to a second one (as after a rebalance or a crash), are skipped there; with the in-memory
 * window only they run again.
 */
@SuppressWarnings("try") // bridges are kept open by try-with-resources
final class DurableDedupTest {

    /** Delivers every record it holds to every subscription, whatever its group: a redelivery on purpose. */
    private static final class Replaying implements Transport {
        final List<TransportRecord> records = new CopyOnWriteArrayList<>();

        @Override
        public CompletableFuture<Void> send(TransportRecord record) {
            records.add(record);
            return CompletableFuture.completedFuture(null);
        }

        @Override
        public Subscription subscribe(Set<String> topics, String group, InboundSink sink) {
            List<TransportRecord> now = List.copyOf(records);
            Thread.ofVirtual().start(() -> now.forEach(r -> sink.accept(new org.llmgine.bus.bridge.spi.InboundDelivery() {
                @Override
                public TransportRecord record() {
                    return r;
                }

                @Override
                public String position() {
                    return "replay";
                }

                @Override
                public void done() {
                }
            })));
            return new Subscription() {
                @Override
                public void pause() {
                }

                @Override
                public void resume() {
                }

                @Override
                public boolean isPaused() {
                    return false;
                }

                @Override
                public void close() {
                }
            };
        }

        @Override
        public String describe() {
            return "replaying";
        }

        @Override
        public void close() {
        }
    }

    private static TransportRecord said(int n) {
        return new TransportRecord("jobs", "s", Map.of(BridgeHeaders.MESSAGE_ID, "m-" + n, BridgeHeaders.TYPE, "said",
                BridgeHeaders.SESSION, "s", BridgeHeaders.ORIGIN, "elsewhere"), "{\"session\":\"s\",\"n\":" + n + "}");
    }

    private static int handledBySecond(boolean durable) throws Exception {
        var ds = new JdbcDataSource();
        ds.setURL("jdbc:h2:mem:dedup-" + durable + ";DB_CLOSE_DELAY=-1");
        var dedup = JdbcDedupStore.of(JdbcStores.builder(ds).codec(BridgeTest.CODEC).build().processedMessages());
        var transport = new Replaying();
        for (int n = 0; n < 50; n++) {
            transport.send(said(n));
        }
        var first = new CopyOnWriteArrayList<Integer>();
        var second = new CopyOnWriteArrayList<Integer>();
        try (MessageBus b1 = MessageBus.builder().name("w1").start(); MessageBus b2 = MessageBus.builder().name("w2").start()) {
            b1.subscribe(BridgeTest.Said.class, s -> first.add(s.n()));
            b2.subscribe(BridgeTest.Said.class, s -> second.add(s.n()));
            Bridge.Builder one = Bridge.builder(b1, transport, BridgeTest.CODEC).consume(Consume.competing("workers", "jobs"));
            try (Bridge w1 = (durable ? one.dedupStore(dedup) : one).start()) {
                BridgeTest.await(() -> w1.stats().republished() == 50, () -> "w1 handled the 50: " + w1.stats());
            }
            Bridge.Builder two = Bridge.builder(b2, transport, BridgeTest.CODEC).consume(Consume.competing("workers", "jobs"));
            try (Bridge w2 = (durable ? two.dedupStore(dedup) : two).start()) {
                BridgeTest.await(() -> w2.stats().republished() + w2.stats().duplicates() == 50,
                        () -> "w2 went through the 50 again: " + w2.stats());
                b2.awaitIdle(java.time.Duration.ofSeconds(10));
            }
        }
        assertEquals(50, first.size());
        return second.size();
    }

    @Test
    void withTheDurableStore_aRedeliveryToAnotherInstanceIsSkipped() throws Exception {
        assertEquals(0, handledBySecond(true), "w2 skipped what w1 handled");
    }

    @Test
    void withTheWindowOnly_aRedeliveryToAnotherInstanceRunsAgain() throws Exception {
        assertEquals(50, handledBySecond(false), "the control: the window is per instance");
    }
}
