package org.llmgine.bus.benchmarks.harness;

import java.util.ArrayList;
import java.util.List;

/**
 * Runs cases interleaved: a warm-up of every case first, then round after round over all cases,
 * each round starting one case further on, so slow drifts of the machine (another job, thermal
 * state, the JIT) spread over every system instead of landing on one. Before every run the heap is
 * collected, so one system's garbage does not bill the next.
 */
final class Rounds {

    private Rounds() {
    }

    /** One case's run. */
    @FunctionalInterface
    interface Run<C, R> {
        /**
         * Runs one case once.
         *
         * @param c the case
         * @param seconds how long to measure
         * @return the figures
         * @throws Exception if the run failed
         */
        R run(C c, double seconds) throws Exception;
    }

    /**
     * Runs the cases.
     *
     * @param cases what to compare
     * @param rounds how many measured runs per case
     * @param seconds the measured duration of one run
     * @param warmupSeconds the duration of each case's warm-up run (not reported)
     * @param run the runner
     * @param <C> the case type
     * @param <R> the result type
     * @return per case, in the order of {@code cases}, its measured results in round order
     * @throws Exception what a run threw
     */
    static <C, R> List<List<R>> interleave(List<C> cases, int rounds, double seconds, double warmupSeconds,
            Run<C, R> run) throws Exception {
        List<List<R>> results = new ArrayList<>();
        for (C c : cases) {
            results.add(new ArrayList<>());
        }
        for (C c : cases) {
            System.gc();
            run.run(c, warmupSeconds);
        }
        for (int r = 0; r < rounds; r++) {
            for (int k = 0; k < cases.size(); k++) {
                int i = (k + r) % cases.size();
                System.gc();
                results.get(i).add(run.run(cases.get(i), seconds));
            }
        }
        return results;
    }
}
