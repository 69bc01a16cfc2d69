import org.jspecify.annotations.NullMarked;

/**
 * The llmgine message bus: an in-process bus for commands (one handler, one typed result) and
 * events (any number of handlers), dispatched on virtual threads, with bus and session scopes.
 *
 * <p>Start with {@link org.llmgine.bus.MessageBus#builder()}. The exported packages are the API:
 * <ul>
 *   <li>{@code org.llmgine.bus}: the bus, sessions, configuration, outcomes and exceptions;</li>
 *   <li>{@code org.llmgine.bus.message}: messages, command results and lifecycle events;</li>
 *   <li>{@code org.llmgine.bus.handler}: handler interfaces, their contexts and registrations;</li>
 *   <li>{@code org.llmgine.bus.middleware}: command and event middleware, with logging and timing;</li>
 *   <li>{@code org.llmgine.bus.filter}: event filters applied before an event is queued;</li>
 *   <li>{@code org.llmgine.bus.spi}: what other modules plug in: the observer SPI (metrics, dead
 *       letters), the lifecycle channel of module events, the write-through store shape and the
 *       scheduled event store, the observable clock, and the bus factory service.</li>
 * </ul>
 * Everything in {@code org.llmgine.bus.internal} is implementation and is not exported; so is
 * {@code org.llmgine.bus.base}, the leaf helpers both use. The builder reaches the implementation
 * through the {@link org.llmgine.bus.spi.BusFactory} service this module provides itself, so no API
 * package depends on {@code internal}.
 */
@NullMarked
module org.llmgine.bus {
    requires static transitive org.jspecify;

    exports org.llmgine.bus;
    exports org.llmgine.bus.message;
    exports org.llmgine.bus.handler;
    exports org.llmgine.bus.middleware;
    exports org.llmgine.bus.filter;
    exports org.llmgine.bus.spi;

    uses org.llmgine.bus.spi.BusFactory;
    provides org.llmgine.bus.spi.BusFactory with org.llmgine.bus.internal.DefaultBusFactory;
}
