package org.llmgine.bus;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.lists;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.Test;
import org.llmgine.bus.handler.Registration;
import org.llmgine.bus.message.Event;

/**
 * A stateful model check: random sequences of subscribe, unsubscribe, open and close session, and
 * publishAndWait are run against the bus and against a plain model of who should receive what.
 * This exercises the cached handler plans, which must follow every registration change.
 */
final class RegistryModelTest {

    sealed interface Animal extends Event permits Cat, Dog {}

    record Cat(int id) implements Animal {}

    record Dog(int id) implements Animal {}

    /** The event classes handlers subscribe to; Animal matches both records. */
    private static final List<Class<? extends Event>> TYPES = List.of(Cat.class, Dog.class, Animal.class, Event.class);

    /** A handler in the model: its scope (-1 for the bus) and the class it subscribed to. */
    record Handler(int scope, Class<?> type) {}

    @Test
    void busMatchesTheModel_underRandomRegistrationChanges() {
        qt().withExamples(80).withShrinkCycles(50)
                .forAll(lists().of(integers().between(0, 999)).ofSizeBetween(1, 60))
                .checkAssert(RegistryModelTest::replay);
    }

    private static void replay(List<Integer> ops) {
        int scopes = 3;
        Map<Integer, Handler> model = new HashMap<>();
        Map<Integer, Registration> registrations = new HashMap<>();
        Map<Integer, Set<Integer>> calls = new ConcurrentHashMap<>();
        Session[] sessions = new Session[scopes];
        int nextHandler = 0;
        try (var bus = MessageBus.builder().name("model").start()) {
            for (int op : ops) {
                int kind = op % 5;
                int scope = (op / 5) % (scopes + 1) - 1;
                Class<? extends Event> type = TYPES.get((op / 20) % TYPES.size());
                switch (kind) {
                    case 0, 1 -> { // subscribe
                        MessageScope target = scope < 0 ? bus : sessions[scope];
                        if (target == null) {
                            sessions[scope] = bus.openSession("s" + scope);
                            target = sessions[scope];
                        }
                        int id = nextHandler++;
                        registrations.put(id, target.registerEventHandler(type, (event, ctx) -> {
                            // handlers of Event also get lifecycle events (SessionStarted...); count animals only
                            if (event instanceof Animal animal) {
                                calls.computeIfAbsent(id, k -> ConcurrentHashMap.newKeySet()).add(animal.hashCode());
                            }
                        }));
                        model.put(id, new Handler(scope, type));
                    }
                    case 2 -> { // unsubscribe the oldest live handler
                        model.keySet().stream().min(Integer::compare).ifPresent(id -> {
                            registrations.remove(id).close();
                            model.remove(id);
                        });
                    }
                    case 3 -> { // close a session, removing its handlers
                        if (scope >= 0 && sessions[scope] != null) {
                            sessions[scope].close();
                            sessions[scope] = null;
                            int closed = scope;
                            model.values().removeIf(h -> h.scope() == closed);
                        }
                    }
                    default -> { // publish a Cat or a Dog in a scope and compare receivers
                        Animal animal = (op / 20) % 2 == 0 ? new Cat(op) : new Dog(op);
                        MessageScope target = scope < 0 ? bus : sessions[scope];
                        if (target == null) {
                            continue;
                        }
                        calls.clear();
                        target.publishAndWait(animal);
                        Set<Integer> expected = new HashSet<>();
                        model.forEach((id, h) -> {
                            if (h.type().isInstance(animal) && (h.scope() < 0 || h.scope() == scope)) {
                                expected.add(id);
                            }
                        });
                        assertEquals(expected, new HashSet<>(calls.keySet()), "receivers of " + animal + " in scope "
                                + scope + " after ops " + ops);
                        calls.values().forEach(set -> assertEquals(Set.of(animal.hashCode()), set));
                    }
                }
            }
            int live = model.size();
            assertEquals(live, bus.stats().sessions().registeredHandlers(), "registered handler count");
        } catch (InterruptedException e) {
            throw new IllegalStateException(e);
        }
        new ArrayList<>(registrations.values()).forEach(Registration::close);
    }
}
