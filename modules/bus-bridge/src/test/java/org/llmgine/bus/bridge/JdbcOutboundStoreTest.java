package org.llmgine.bus.bridge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.h2.jdbcx.JdbcDataSource;
import org.junit.jupiter.api.Test;
import org.llmgine.bus.MessageBus;
import org.llmgine.bus.bridge.memory.InMemoryTransport;
import org.llmgine.bus.bridge.spi.InboundSink;
import org.llmgine.bus.bridge.spi.Subscription;
import org.llmgine.bus.bridge.spi.Transport;
import org.llmgine.bus.bridge.spi.TransportRecord;
import org.llmgine.bus.store.jdbc.JdbcOutbox;
import org.llmgine.bus.store.jdbc.JdbcStores;
import org.llmgine.bus.store.jdbc.OutboxState;

/** The bridge's outbound side through the store module's outbox table (H2 in memory). */
@SuppressWarnings("try") // bridges are kept open by try-with-resources
final class JdbcOutboundStoreTest {

    private static JdbcOutbox outbox(String name) throws Exception {
        var ds = new JdbcDataSource();
        ds.setURL("jdbc:h2:mem:" + name + ";DB_CLOSE_DELAY=-1");
        return JdbcStores.builder(ds).codec(BridgeTest.CODEC).build().outbox("bridge");
    }

    /** A transport that fails the first {@code failures} sends. */
    private static final class Flaky implements Transport {
        final Transport inner = InMemoryTransport.create();
        final AtomicInteger failuresLeft;

        Flaky(int failures) {
            this.failuresLeft = new AtomicInteger(failures);
        }

        @Override
        public CompletableFuture<Void> send(TransportRecord record) {
            if (failuresLeft.getAndDecrement() > 0) {
                return CompletableFuture.failedFuture(new IllegalStateException("broker unreachable"));
            }
            return inner.send(record);
        }

        @Override
        public Subscription subscribe(Set<String> topics, String group, InboundSink sink) {
            return inner.subscribe(topics, group, sink);
        }

        @Override
        public String describe() {
            return "flaky";
        }

        @Override
        public void close() {
            inner.close();
        }
    }

    @Test
    void acceptedEventsAreRows_completedWhenAcknowledged_andAFailedSendIsRetried() throws Exception {
        JdbcOutbox outbox = outbox("bridge-outbox");
        var flaky = new Flaky(3);
        var received = ConcurrentHashMap.<String>newKeySet();
        try (MessageBus a = MessageBus.builder().name("a").start(); MessageBus b = MessageBus.builder().name("b").start();
                Bridge out = Bridge.builder(a, flaky, BridgeTest.CODEC).route(Route.of(BridgeTest.Said.class, "chat"))
                        .outboundStore(JdbcOutboundStore.of(outbox)).start();
                Bridge in = Bridge.builder(b, flaky.inner, BridgeTest.CODEC).consume(Consume.broadcast("chat")).start()) {
            b.subscribe(BridgeTest.Said.class, s -> received.add(s.session() + "/" + s.n()));
            for (int n = 0; n < 50; n++) {
                a.getOrOpenSession("s" + (n % 5)).publish(new BridgeTest.Said("s" + (n % 5), n));
            }
            assertTrue(a.awaitIdle(Duration.ofSeconds(10)));
            assertEquals(50, out.stats().accepted());
            BridgeTest.await(() -> received.size() == 50, () -> "all 50 arrived: " + received.size() + ", " + out.stats());
            BridgeTest.await(() -> countsOf(outbox).getOrDefault(OutboxState.COMPLETED, 0L) == 50,
                    () -> "every row completed: " + countsOf(outbox));
            assertEquals(3, out.stats().sendFailures(), "the three failed sends were counted: " + out.stats());
            assertEquals(50, out.stats().sent());
        }
    }

    private static Map<OutboxState, Long> countsOf(JdbcOutbox outbox) {
        try {
            return outbox.counts();
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }
}
