package org.llmgine.bus.benchmarks.peer;

import com.lmax.disruptor.BlockingWaitStrategy;
import com.lmax.disruptor.EventHandler;
import com.lmax.disruptor.EventTranslatorOneArg;
import com.lmax.disruptor.RingBuffer;
import com.lmax.disruptor.TimeoutException;
import com.lmax.disruptor.dsl.Disruptor;
import com.lmax.disruptor.dsl.ProducerType;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;

/**
 * The LMAX Disruptor 4.0.0: a ring of {@value Setup#CAPACITY} slots, {@link BlockingWaitStrategy},
 * a single-producer sequencer for one publisher and a multi-producer one otherwise, and one event
 * processor (platform thread) per handler, all consuming every event in parallel. Publishing copies
 * the tick into a preallocated slot; a full ring makes the publisher wait.
 */
final class DisruptorSystem implements EventSystem {

    /** Non-capturing, so publishing allocates nothing. */
    private static final EventTranslatorOneArg<Slot, Tick> TRANSLATOR = (slot, sequence, tick) -> slot.tick = tick;

    private final Disruptor<Slot> disruptor;
    private final RingBuffer<Slot> ring;

    DisruptorSystem(Setup setup) {
        SystemKind.requireBusScope(SystemKind.DISRUPTOR, setup);
        AtomicInteger threads = new AtomicInteger();
        disruptor = new Disruptor<>(Slot::new, Setup.CAPACITY,
                r -> Thread.ofPlatform().name("disruptor-" + threads.getAndIncrement()).daemon().unstarted(r),
                setup.publishers() == 1 ? ProducerType.SINGLE : ProducerType.MULTI, new BlockingWaitStrategy());
        @SuppressWarnings({"unchecked", "rawtypes"}) // a generic array of one handler type
        EventHandler<Slot>[] handlers = new EventHandler[setup.handlers()];
        TickHandler handler = setup.handler();
        for (int i = 0; i < handlers.length; i++) {
            handlers[i] = (slot, sequence, endOfBatch) -> handler.onTick(slot.tick());
        }
        disruptor.handleEventsWith(handlers);
        ring = disruptor.start();
    }

    @Override
    public String name() {
        return SystemKind.DISRUPTOR.label();
    }

    @Override
    public TickPublisher publisher(int index) {
        return tick -> {
            ring.publishEvent(TRANSLATOR, tick);
            return true;
        };
    }

    @Override
    public void close() {
        try {
            disruptor.shutdown(30, TimeUnit.SECONDS);
        } catch (TimeoutException e) {
            disruptor.halt();
        }
    }

    /** A ring slot. */
    static final class Slot {
        @Nullable Tick tick;

        Tick tick() {
            Tick t = tick;
            if (t == null) {
                throw new IllegalStateException("empty slot");
            }
            return t;
        }
    }
}
