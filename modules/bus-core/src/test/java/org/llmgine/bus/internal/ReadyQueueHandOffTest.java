package org.llmgine.bus.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.ReentrantLock;
import org.junit.jupiter.api.Test;
import org.llmgine.bus.MessageBus;

/**
 * The store-buffering pair every worker hand-off rests on, on the real {@link ReadyQueue}: a
 * producer adds a lane and then reads a flag ("someone spins and will take it"); a worker clears
 * the flag and then polls. One of them must see the other: never "the producer saw the spinner and
 * the worker's poll found nothing", which would leave a lane queued with nobody woken for it. The
 * producer's link is a release store that its read of the flag may overtake (on x86 too), so the
 * queue must decide emptiness by its tail; deciding by the link missed the lane 22-25 times in
 * about 700,000 trials (one second) on a 2-core machine.
 */
final class ReadyQueueHandOffTest {

    /** The flag of one trial, alone in its object. */
    static final class Flag {
        volatile boolean spinning;
    }

    @Test
    void aProducerThatSawTheSpinner_alwaysLeavesTheLaneWhereTheWorkersPollFindsIt() throws Exception {
        int trials = 256;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        long runFor = System.nanoTime() + TimeUnit.SECONDS.toNanos(1);
        try (MessageBus owner = MessageBus.builder().name("ready-litmus").build()) {
            DefaultMessageBus bus = (DefaultMessageBus) owner;
            ReadyQueue[] queues = new ReadyQueue[trials];
            Lane[] lanes = new Lane[trials];
            Flag[] flags = new Flag[trials];
            for (int i = 0; i < trials; i++) {
                lanes[i] = new Lane(bus, null);
                flags[i] = new Flag();
            }
            boolean[] sawSpinner = new boolean[trials];
            Lane[] polled = new Lane[trials];
            ReentrantLock poolLock = new ReentrantLock();
            AtomicInteger round = new AtomicInteger();
            AtomicInteger finished = new AtomicInteger();
            AtomicInteger producerAt = new AtomicInteger(-1);
            AtomicInteger workerAt = new AtomicInteger(-1);
            Thread producer = Thread.ofPlatform().name("litmus-producer").start(() -> {
                for (int seen = 0; ; ) {
                    int r = awaitChange(round, seen, deadline);
                    if (r < 0) {
                        return;
                    }
                    seen = r;
                    for (int i = 0; i < trials; i++) {
                        producerAt.set(r * trials + i);
                        if (!awaitAtLeast(workerAt, r * trials + i, deadline)) {
                            return;
                        }
                        queues[i].add(lanes[i]);
                        sawSpinner[i] = flags[i].spinning;
                    }
                    finished.incrementAndGet();
                }
            });
            Thread worker = Thread.ofPlatform().name("litmus-worker").start(() -> {
                for (int seen = 0; ; ) {
                    int r = awaitChange(round, seen, deadline);
                    if (r < 0) {
                        return;
                    }
                    seen = r;
                    for (int i = 0; i < trials; i++) {
                        workerAt.set(r * trials + i);
                        if (!awaitAtLeast(producerAt, r * trials + i, deadline)) {
                            return;
                        }
                        flags[i].spinning = false;
                        poolLock.lock();
                        try {
                            polled[i] = queues[i].poll();
                        } finally {
                            poolLock.unlock();
                        }
                    }
                    finished.incrementAndGet();
                }
            });
            long rounds = 0;
            long missed = 0;
            try {
                while (System.nanoTime() < runFor) {
                    for (int i = 0; i < trials; i++) {
                        queues[i] = new ReadyQueue(16);
                        flags[i].spinning = true;
                        sawSpinner[i] = false;
                        polled[i] = null;
                    }
                    finished.set(0);
                    round.incrementAndGet();
                    while (finished.get() < 2) {
                        assertTrue(System.nanoTime() < deadline, "the litmus threads did not finish a round");
                        java.util.concurrent.locks.LockSupport.parkNanos(20_000); // leave both cores to them
                    }
                    rounds++;
                    for (int i = 0; i < trials; i++) {
                        if (sawSpinner[i] && polled[i] == null) {
                            missed++;
                        }
                    }
                }
            } finally {
                round.set(-1);
                producer.join(TimeUnit.SECONDS.toMillis(20));
                worker.join(TimeUnit.SECONDS.toMillis(20));
            }
            assertTrue(rounds > 0);
            assertEquals(0, missed, "lanes missed by the worker although the producer left them to it, in "
                    + rounds * trials + " trials");
        }
    }

    private static int awaitChange(AtomicInteger round, int seen, long deadline) {
        int r;
        while ((r = round.get()) == seen) {
            if (System.nanoTime() > deadline) {
                return -1;
            }
            Thread.onSpinWait();
        }
        return r;
    }

    private static boolean awaitAtLeast(AtomicInteger at, int value, long deadline) {
        while (at.get() < value) {
            if (System.nanoTime() > deadline) {
                return false;
            }
            Thread.onSpinWait();
        }
        return true;
    }
}
