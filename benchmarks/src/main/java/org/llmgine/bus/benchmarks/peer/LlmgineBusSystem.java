package org.llmgine.bus.benchmarks.peer;

import java.time.Duration;
import java.util.function.Consumer;
import org.llmgine.bus.MessageBus;
import org.llmgine.bus.OverflowStrategy;
import org.llmgine.bus.Session;

/**
 * The llmgine bus behind {@link EventSystem}: queue capacity {@value Setup#CAPACITY},
 * {@link OverflowStrategy#BLOCK}, the handlers subscribed in the bus scope (default priority, so
 * they form one group). With {@code sessions > 1} the sessions are opened up front and each
 * publisher publishes round-robin over them; the bus-scope handlers see every session's events.
 * Uses the public API only.
 */
final class LlmgineBusSystem implements EventSystem {

    private final String name;
    private final MessageBus bus;
    private final Session[] sessions;

    LlmgineBusSystem(Setup setup) {
        this(setup, SystemKind.LLMGINE_BUS.label(), builder -> { });
    }

    /**
     * Creates the bus with a change to its builder (an observer, say) and a label of its own.
     *
     * @param setup publishers, handlers and sessions
     * @param name the label in tables
     * @param configure applied to the builder before the bus is built
     */
    LlmgineBusSystem(Setup setup, String name, Consumer<MessageBus.Builder> configure) {
        this.name = name;
        MessageBus.Builder builder = MessageBus.builder().name("bench").queueCapacity(Setup.CAPACITY)
                .overflowStrategy(OverflowStrategy.BLOCK);
        configure.accept(builder);
        bus = builder.build();
        TickHandler handler = setup.handler();
        for (int i = 0; i < setup.handlers(); i++) {
            bus.subscribe(Tick.class, handler::onTick);
        }
        bus.start();
        sessions = new Session[setup.sessions() == 1 ? 0 : setup.sessions()];
        for (int i = 0; i < sessions.length; i++) {
            sessions[i] = bus.openSession("bench-" + i);
        }
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public TickPublisher publisher(int index) {
        if (sessions.length == 0) {
            return tick -> bus.publish(tick).isAccepted();
        }
        return new RoundRobin(sessions, index);
    }

    @Override
    public void close() {
        bus.close(Duration.ofSeconds(30));
    }

    /** One publisher's walk over the sessions, starting at its own offset. */
    private static final class RoundRobin implements TickPublisher {
        private final Session[] sessions;
        private int next;

        RoundRobin(Session[] sessions, int index) {
            this.sessions = sessions;
            this.next = Math.floorMod(index * 7919, sessions.length);
        }

        @Override
        public boolean publish(Tick tick) {
            Session session = sessions[next];
            if (++next == sessions.length) {
                next = 0;
            }
            return session.publish(tick).isAccepted();
        }
    }
}
