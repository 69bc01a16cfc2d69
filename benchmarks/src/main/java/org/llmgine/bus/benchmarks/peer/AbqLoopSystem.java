package org.llmgine.bus.benchmarks.peer;

import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * The JDK baseline: an {@code ArrayBlockingQueue(8192)} drained by one platform thread that calls
 * every handler inline, in order. {@code put} blocks publishers while the queue is full.
 */
final class AbqLoopSystem implements EventSystem {

    /** Tells the consumer to stop; compared by identity. */
    private static final Tick POISON = new Tick(-1, 0, 0);

    private final ArrayBlockingQueue<Tick> queue = new ArrayBlockingQueue<>(Setup.CAPACITY);
    private final TickHandler[] handlers;
    private final Thread consumer;

    AbqLoopSystem(Setup setup) {
        SystemKind.requireBusScope(SystemKind.ABQ_LOOP, setup);
        handlers = new TickHandler[setup.handlers()];
        java.util.Arrays.fill(handlers, setup.handler());
        consumer = Thread.ofPlatform().name("abq-loop-consumer").daemon().unstarted(this::consume);
        consumer.start();
    }

    private void consume() {
        try {
            while (true) {
                Tick tick = queue.take();
                if (tick == POISON) {
                    return;
                }
                for (TickHandler handler : handlers) {
                    handler.onTick(tick);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public String name() {
        return SystemKind.ABQ_LOOP.label();
    }

    @Override
    public TickPublisher publisher(int index) {
        return tick -> {
            queue.put(tick);
            return true;
        };
    }

    @Override
    public void close() {
        try {
            if (!queue.offer(POISON, 30, TimeUnit.SECONDS)) {
                consumer.interrupt();
            }
            consumer.join(TimeUnit.SECONDS.toMillis(30));
        } catch (InterruptedException e) {
            consumer.interrupt();
            Thread.currentThread().interrupt();
        }
    }
}
