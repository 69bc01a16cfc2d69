package org.llmgine.bus.benchmarks.peer;

import com.google.common.eventbus.AllowConcurrentEvents;
import com.google.common.eventbus.AsyncEventBus;
import com.google.common.eventbus.Subscribe;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Guava's {@code AsyncEventBus} on a fixed pool of two threads. Like
 * {@code Executors.newFixedThreadPool(2)}, but its {@code LinkedBlockingQueue} is bounded at
 * {@value Setup#CAPACITY} tasks and a full queue makes the poster wait, so Guava gets the same bound
 * and backpressure as the other systems (unbounded, a fast publisher would fill the heap). Every
 * handler is a separate subscriber marked {@code @AllowConcurrentEvents}, so Guava does not
 * serialise calls; each event becomes one pool task per subscriber, as Guava dispatches it.
 */
final class GuavaAsyncSystem implements EventSystem {

    private final ThreadPoolExecutor pool;
    private final AsyncEventBus eventBus;

    GuavaAsyncSystem(Setup setup) {
        SystemKind.requireBusScope(SystemKind.GUAVA_ASYNC, setup);
        AtomicInteger threads = new AtomicInteger();
        pool = new ThreadPoolExecutor(2, 2, 0, TimeUnit.MILLISECONDS, new LinkedBlockingQueue<>(Setup.CAPACITY),
                r -> Thread.ofPlatform().name("guava-async-" + threads.getAndIncrement()).daemon().unstarted(r),
                GuavaAsyncSystem::waitForRoom);
        eventBus = new AsyncEventBus("bench", pool);
        for (int i = 0; i < setup.handlers(); i++) {
            eventBus.register(new Subscriber(setup.handler()));
        }
    }

    /** The rejection handler: waits for room instead of rejecting, like {@code put}. */
    private static void waitForRoom(Runnable task, ThreadPoolExecutor executor) {
        if (executor.isShutdown()) {
            throw new RejectedExecutionException("guava-async pool is shut down");
        }
        try {
            executor.getQueue().put(task);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new RejectedExecutionException("interrupted while waiting for room", e);
        }
    }

    @Override
    public String name() {
        return SystemKind.GUAVA_ASYNC.label();
    }

    @Override
    public TickPublisher publisher(int index) {
        return tick -> {
            eventBus.post(tick);
            return true;
        };
    }

    @Override
    public void close() {
        pool.shutdown();
        try {
            pool.awaitTermination(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        pool.shutdownNow();
    }

    /**
     * One Guava subscriber. Public with a public method because Guava invokes it reflectively.
     */
    public static final class Subscriber {
        private final TickHandler handler;

        Subscriber(TickHandler handler) {
            this.handler = handler;
        }

        /**
         * Receives one event from Guava's event bus.
         *
         * @param tick the event
         */
        @Subscribe
        @AllowConcurrentEvents
        public void on(Tick tick) {
            handler.onTick(tick);
        }
    }
}
