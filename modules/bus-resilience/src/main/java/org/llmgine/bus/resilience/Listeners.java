package org.llmgine.bus.resilience;

import java.util.List;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * The listeners of one kind of notice (a breaker's transitions, a strategy's new instances): each
 * is called in turn, and one that throws is logged and does not keep the others from the notice
 * or fail the call that caused it.
 *
 * @param <T> what the listeners are told
 */
final class Listeners<T> {

    private static final System.Logger LOG = System.getLogger("org.llmgine.bus.resilience");

    private final List<Consumer<T>> all = new CopyOnWriteArrayList<>();
    private final String what;

    /** {@code what} names the listeners in the log, for example "transition listener of circuit breaker 'x'". */
    Listeners(String what) {
        this.what = what;
    }

    Runnable add(Consumer<T> listener) {
        Objects.requireNonNull(listener, "listener");
        all.add(listener);
        return () -> all.remove(listener);
    }

    void tell(T notice) {
        for (Consumer<T> listener : all) {
            try {
                listener.accept(notice);
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.WARNING, "a " + what + " failed on " + notice, e);
            }
        }
    }
}
