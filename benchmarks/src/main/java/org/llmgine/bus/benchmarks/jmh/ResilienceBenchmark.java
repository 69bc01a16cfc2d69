package org.llmgine.bus.benchmarks.jmh;

import io.github.resilience4j.bulkhead.Bulkhead;
import io.github.resilience4j.bulkhead.BulkheadConfig;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.llmgine.bus.handler.MessageContext;
import org.llmgine.bus.message.Command;
import org.llmgine.bus.message.CommandResult;
import org.llmgine.bus.resilience.Bulkheads;
import org.llmgine.bus.resilience.Call;
import org.llmgine.bus.resilience.CircuitBreakerConfig;
import org.llmgine.bus.resilience.CircuitBreakers;
import org.llmgine.bus.resilience.Pipeline;
import org.llmgine.bus.resilience.Retry;
import org.llmgine.bus.resilience.RetryPolicy;
import org.llmgine.bus.resilience.Timeout;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The success-path cost of the resilience decorators, next to Resilience4j 2.4.0 and a bare call:
 * every call succeeds, so no retry waits, no breaker opens and no bulkhead refuses. The guarded
 * call returns one preallocated {@code CommandResult.success} value; each strategy is composed
 * around it once, in {@link #setUp()}, the way a client inside a handler would hold it
 * ({@link Pipeline#wrap} for llmgine, the static {@code decorateSupplier} functions for
 * Resilience4j), and every benchmark method makes one guarded call.
 *
 * <ul>
 *   <li>{@link #bare()}: the baseline, the undecorated call;</li>
 *   <li>{@link #llmgineRetryBreaker()}: {@code Pipeline.of(Retry.of(RetryPolicy.defaults()),
 *       CircuitBreakers.of(CircuitBreakerConfig.defaults())).wrap(...)}: retry outermost, one
 *       breaker per command type inside it (the default breaker has only the consecutive-failure
 *       rule, no rate window);</li>
 *   <li>{@link #llmgineRetryBreakerRateWindow()}: the same with the breaker configured like
 *       Resilience4j's default (a failure-rate rule over the last 100 calls and a 60 s slow-call
 *       rule), so every success is recorded in a window as Resilience4j records it;</li>
 *   <li>{@link #llmgineRetryBreakerDecorate()}: the default retry and breaker through
 *       {@link Pipeline#decorate} on every call instead of a precomposed {@code wrap}, the way a
 *       pipeline runs when it is nested in another decorator;</li>
 *   <li>{@link #r4jRetryBreaker()}: Resilience4j {@code Retry.ofDefaults} around
 *       {@code CircuitBreaker.ofDefaults}, composed with {@code Retry.decorateSupplier(retry,
 *       CircuitBreaker.decorateSupplier(breaker, supplier))}: what
 *       {@code Decorators.ofSupplier(supplier).withCircuitBreaker(breaker).withRetry(retry).decorate()}
 *       builds (the {@code Decorators} builder is in {@code resilience4j-all}, not a dependency
 *       here);</li>
 *   <li>{@link #llmgineBulkhead()} and {@link #r4jBulkhead()}: a bulkhead of {@value #PERMITS}
 *       permits alone, refusing at once when full ({@code Bulkheads.of(PERMITS)}; Resilience4j's
 *       {@code SemaphoreBulkhead} with {@code maxConcurrentCalls(PERMITS)}, its other settings
 *       default);</li>
 *   <li>{@link #llmgineTimeout()}: {@code Timeout.of(Duration.ofSeconds(10))} alone. Resilience4j's
 *       {@code TimeLimiter} has no counterpart here: it bounds a {@code Future} or a
 *       {@code CompletionStage}, so bounding a synchronous call with it means running the call on
 *       another thread, a thread hand-off per call.</li>
 * </ul>
 *
 * <pre>{@code
 * java -jar benchmarks/target/benchmarks.jar ResilienceBenchmark -prof gc
 * java -jar benchmarks/target/benchmarks.jar ResilienceBenchmark -t 2   # two callers sharing each decorator
 * }</pre>
 *
 * <p>{@code -prof gc} gives the bytes allocated per call ({@code gc.alloc.rate.norm}). The state is
 * shared by all benchmark threads, as one decorator is shared by all the calls it guards.
 * {@link #checkCalm()} fails the trial if a breaker left CLOSED or a bulkhead kept a permit.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
@Threads(1)
public class ResilienceBenchmark {

    /** Permits of each bulkhead: far more than benchmark threads, so no call is refused. */
    static final int PERMITS = 1024;

    /** The command the llmgine calls are for; its class is the breaker's and bulkhead's key. */
    record Prompt(String text) implements Command<String> {
    }

    private static final Prompt PROMPT = new Prompt("hello");
    private static final CommandResult<String> SUCCESS = CommandResult.success("ok");

    private MessageContext context = new FixedContext();
    private Call<String> bare = c -> SUCCESS;
    private Supplier<CommandResult<String>> supplier = () -> SUCCESS;

    private Pipeline retryBreaker = Pipeline.of();
    private Call<String> llmgineRetryBreaker = bare;
    private Call<String> llmgineRetryBreakerRateWindow = bare;
    private Call<String> llmgineBulkhead = bare;
    private Call<String> llmgineTimeout = bare;
    private CircuitBreakers llmgineBreakers = CircuitBreakers.of(CircuitBreakerConfig.defaults());
    private CircuitBreakers llmgineWindowBreakers = llmgineBreakers;
    private Bulkheads llmgineBulkheads = Bulkheads.of(PERMITS);

    private CircuitBreaker r4jBreaker = CircuitBreaker.ofDefaults("r4j-breaker");
    private Bulkhead r4jBulkheadInstance = Bulkhead.ofDefaults("r4j-bulkhead");
    private Supplier<CommandResult<String>> r4jRetryBreaker = supplier;
    private Supplier<CommandResult<String>> r4jBulkhead = supplier;

    /** Creates the benchmark state; JMH calls this. */
    public ResilienceBenchmark() {
    }

    /**
     * Composes every strategy around the call once and checks that each guarded call succeeds.
     *
     * @throws InterruptedException never (no call here is cancelled)
     */
    @Setup(Level.Trial)
    public void setUp() throws InterruptedException {
        context = new FixedContext();
        bare = c -> SUCCESS;
        supplier = () -> SUCCESS;

        llmgineBreakers = CircuitBreakers.of(CircuitBreakerConfig.defaults());
        retryBreaker = Pipeline.of(Retry.of(RetryPolicy.defaults()), llmgineBreakers);
        llmgineRetryBreaker = retryBreaker.wrap(PROMPT, null, bare);
        llmgineWindowBreakers = CircuitBreakers.of(CircuitBreakerConfig.builder()
                .failureRate(0.5, 100)
                .slowCalls(Duration.ofSeconds(60), 1.0)
                .build());
        llmgineRetryBreakerRateWindow = Pipeline.of(Retry.of(RetryPolicy.defaults()), llmgineWindowBreakers)
                .wrap(PROMPT, null, bare);
        llmgineBulkheads = Bulkheads.of(PERMITS);
        llmgineBulkhead = Pipeline.of(llmgineBulkheads).wrap(PROMPT, null, bare);
        llmgineTimeout = Pipeline.of(Timeout.of(Duration.ofSeconds(10))).wrap(PROMPT, null, bare);

        r4jBreaker = CircuitBreaker.ofDefaults("r4j-breaker");
        io.github.resilience4j.retry.Retry r4jRetry = io.github.resilience4j.retry.Retry.ofDefaults("r4j-retry");
        r4jRetryBreaker = io.github.resilience4j.retry.Retry.decorateSupplier(r4jRetry,
                CircuitBreaker.decorateSupplier(r4jBreaker, supplier));
        r4jBulkheadInstance = Bulkhead.of("r4j-bulkhead", BulkheadConfig.custom().maxConcurrentCalls(PERMITS).build());
        r4jBulkhead = Bulkhead.decorateSupplier(r4jBulkheadInstance, supplier);

        check("llmgine retry + breaker", llmgineRetryBreaker.call(context));
        check("llmgine retry + breaker (rate window)", llmgineRetryBreakerRateWindow.call(context));
        check("llmgine retry + breaker (decorate)", retryBreaker.decorate(PROMPT, null, context, bare));
        check("llmgine bulkhead", llmgineBulkhead.call(context));
        check("llmgine timeout", llmgineTimeout.call(context));
        check("Resilience4j retry + breaker", r4jRetryBreaker.get());
        check("Resilience4j bulkhead", r4jBulkhead.get());
    }

    private static void check(String what, CommandResult<String> result) {
        if (result != SUCCESS) {
            throw new IllegalStateException(what + " did not return the call's success: " + result);
        }
    }

    /** Fails the trial if anything left its calm state: every call here must have succeeded. */
    @TearDown(Level.Trial)
    public void checkCalm() {
        for (CircuitBreakers breakers : new CircuitBreakers[] {llmgineBreakers, llmgineWindowBreakers}) {
            breakers.breakers().values().forEach(breaker -> {
                if (breaker.state() != org.llmgine.bus.resilience.CircuitBreaker.State.CLOSED) {
                    throw new IllegalStateException("llmgine breaker left CLOSED: " + breaker.snapshot());
                }
            });
        }
        llmgineBulkheads.bulkheads().values().forEach(bulkhead -> {
            if (bulkhead.snapshot().inUse() != 0 || bulkhead.snapshot().rejected() != 0) {
                throw new IllegalStateException("llmgine bulkhead not calm: " + bulkhead.snapshot());
            }
        });
        if (r4jBreaker.getState() != CircuitBreaker.State.CLOSED) {
            throw new IllegalStateException("Resilience4j breaker left CLOSED: " + r4jBreaker.getState());
        }
        if (r4jBulkheadInstance.getMetrics().getAvailableConcurrentCalls() != PERMITS) {
            throw new IllegalStateException("Resilience4j bulkhead kept permits: "
                    + r4jBulkheadInstance.getMetrics().getAvailableConcurrentCalls() + " of " + PERMITS + " free");
        }
    }

    /**
     * The baseline: the undecorated call.
     *
     * @return the call's result
     * @throws InterruptedException never
     */
    @Benchmark
    public CommandResult<String> bare() throws InterruptedException {
        return bare.call(context);
    }

    /**
     * llmgine retry and circuit breaker (default configurations), precomposed with {@code wrap}.
     *
     * @return the call's result
     * @throws InterruptedException never
     */
    @Benchmark
    public CommandResult<String> llmgineRetryBreaker() throws InterruptedException {
        return llmgineRetryBreaker.call(context);
    }

    /**
     * llmgine retry and a circuit breaker with Resilience4j's default rules (failure rate over 100
     * calls, 60 s slow calls), precomposed with {@code wrap}.
     *
     * @return the call's result
     * @throws InterruptedException never
     */
    @Benchmark
    public CommandResult<String> llmgineRetryBreakerRateWindow() throws InterruptedException {
        return llmgineRetryBreakerRateWindow.call(context);
    }

    /**
     * llmgine retry and circuit breaker (default configurations) through {@code Pipeline.decorate},
     * composed on every call.
     *
     * @return the call's result
     * @throws InterruptedException never
     */
    @Benchmark
    public CommandResult<String> llmgineRetryBreakerDecorate() throws InterruptedException {
        return retryBreaker.decorate(PROMPT, null, context, bare);
    }

    /**
     * Resilience4j retry around its circuit breaker (default configurations), precomposed.
     *
     * @return the call's result
     */
    @Benchmark
    public CommandResult<String> r4jRetryBreaker() {
        return r4jRetryBreaker.get();
    }

    /**
     * The llmgine bulkhead alone.
     *
     * @return the call's result
     * @throws InterruptedException never
     */
    @Benchmark
    public CommandResult<String> llmgineBulkhead() throws InterruptedException {
        return llmgineBulkhead.call(context);
    }

    /**
     * Resilience4j's semaphore bulkhead alone.
     *
     * @return the call's result
     */
    @Benchmark
    public CommandResult<String> r4jBulkhead() {
        return r4jBulkhead.get();
    }

    /**
     * The llmgine timeout alone (10 s, never reached).
     *
     * @return the call's result
     * @throws InterruptedException never
     */
    @Benchmark
    public CommandResult<String> llmgineTimeout() throws InterruptedException {
        return llmgineTimeout.call(context);
    }
}
