package org.llmgine.bus.middleware;

import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.util.Objects;
import org.llmgine.bus.Ticker;
import org.llmgine.bus.handler.CommandContext;
import org.llmgine.bus.handler.EventContext;
import org.llmgine.bus.handler.HandlerInfo;
import org.llmgine.bus.message.Command;
import org.llmgine.bus.message.CommandResult;
import org.llmgine.bus.message.Event;

/**
 * Logs every command execution and event handler invocation through {@link System.Logger} (logger
 * {@code org.llmgine.bus.middleware.LoggingMiddleware}): the message type, id, session, handler and
 * duration, and failures. Payloads are never logged, only their type.
 *
 * <p>The default level is DEBUG, because per-message logs above DEBUG flood production logs. Use
 * one instance as both command and event middleware if you like; it is stateless and thread-safe.
 */
public final class LoggingMiddleware implements CommandMiddleware, EventMiddleware {

    private final Logger logger;
    private final Level level;
    private final Ticker ticker;

    private LoggingMiddleware(Logger logger, Level level, Ticker ticker) {
        this.logger = logger;
        this.level = level;
        this.ticker = ticker;
    }

    /**
     * Creates a logging middleware at DEBUG.
     *
     * @return the middleware
     */
    public static LoggingMiddleware atDebug() {
        return at(Level.DEBUG);
    }

    /**
     * Creates a logging middleware at the given level, logging to the default logger.
     *
     * @param level the level of the per-message lines
     * @return the middleware
     */
    public static LoggingMiddleware at(Level level) {
        return with(System.getLogger(LoggingMiddleware.class.getName()), level, Ticker.system());
    }

    /**
     * Creates a logging middleware with its logger, level and ticker.
     *
     * @param logger the logger to write to
     * @param level the level of the per-message lines
     * @param ticker the source of durations
     * @return the middleware
     */
    public static LoggingMiddleware with(Logger logger, Level level, Ticker ticker) {
        return new LoggingMiddleware(Objects.requireNonNull(logger, "logger"), Objects.requireNonNull(level, "level"),
                Objects.requireNonNull(ticker, "ticker"));
    }

    @Override
    public <R> CommandResult<R> handle(Command<R> command, CommandContext context, CommandChain<R> chain)
            throws Exception {
        if (!logger.isLoggable(level)) {
            return chain.proceed();
        }
        String type = command.getClass().getSimpleName();
        logger.log(level, () -> "executing command " + type + " (id=" + context.messageId() + ", session="
                + context.sessionId() + ")");
        long start = ticker.read();
        try {
            CommandResult<R> result = chain.proceed();
            logger.log(level, () -> "command " + type + " (id=" + context.messageId() + ") "
                    + (result instanceof CommandResult.Failure<R> failure ? "failed (" + failure.cause().describe() + ")"
                            : "completed") + " in " + millis(ticker.read() - start) + " ms");
            return result;
        } catch (Exception | Error e) {
            logger.log(level, () -> "command " + type + " (id=" + context.messageId() + ") failed after "
                    + millis(ticker.read() - start) + " ms: " + e);
            throw e;
        }
    }

    @Override
    public void handle(Event event, EventContext context, HandlerInfo handler, EventChain chain) throws Exception {
        if (!logger.isLoggable(level)) {
            chain.proceed();
            return;
        }
        String type = event.getClass().getSimpleName();
        logger.log(level, () -> "processing event " + type + " (id=" + context.messageId() + ", session="
                + context.sessionId() + ") with handler " + handler.name());
        long start = ticker.read();
        try {
            chain.proceed();
            logger.log(level, () -> "event " + type + " (id=" + context.messageId() + ") processed by "
                    + handler.name() + " in " + millis(ticker.read() - start) + " ms");
        } catch (Exception | Error e) {
            logger.log(level, () -> "event " + type + " (id=" + context.messageId() + ") failed in handler "
                    + handler.name() + " after " + millis(ticker.read() - start) + " ms: " + e);
            throw e;
        }
    }

    private static String millis(long nanos) {
        return String.format(java.util.Locale.ROOT, "%.3f", nanos / 1e6);
    }
}
