package org.llmgine.bus.benchmarks.harness;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.HdrHistogram.Histogram;

/**
 * Small statistics the scenarios share: medians of rounds, least-squares slopes, percentile rows
 * from a histogram of nanoseconds.
 */
final class Stats {

    private Stats() {
    }

    /**
     * Returns the median of some values (the mean of the middle two for an even count).
     *
     * @param values at least one value
     * @return the median
     * @throws IllegalArgumentException if there are no values
     */
    static double median(List<Double> values) {
        if (values.isEmpty()) {
            throw new IllegalArgumentException("median of no values");
        }
        double[] sorted = values.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        int mid = sorted.length / 2;
        return sorted.length % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
    }

    /**
     * Returns the least-squares slope of y over x.
     *
     * @param x the abscissae
     * @param y the ordinates, as many as {@code x}
     * @return dy/dx, or NaN with fewer than two points or when every x is the same
     * @throws IllegalArgumentException if the arrays differ in length
     */
    static double slope(double[] x, double[] y) {
        if (x.length != y.length) {
            throw new IllegalArgumentException("x and y differ in length: " + x.length + " and " + y.length);
        }
        int n = x.length;
        if (n < 2) {
            return Double.NaN;
        }
        double mx = Arrays.stream(x).average().orElseThrow();
        double my = Arrays.stream(y).average().orElseThrow();
        double sxy = 0;
        double sxx = 0;
        for (int i = 0; i < n; i++) {
            sxy += (x[i] - mx) * (y[i] - my);
            sxx += (x[i] - mx) * (x[i] - mx);
        }
        return sxx == 0 ? Double.NaN : sxy / sxx;
    }

    /**
     * Adds p50, p95, p99, p99.9 and max of a histogram of nanoseconds to a row, in microseconds.
     *
     * @param row the row to extend
     * @param histogram recorded latencies in nanoseconds
     * @return {@code row}
     */
    static Map<String, Object> percentiles(Map<String, Object> row, Histogram histogram) {
        row.put("count", histogram.getTotalCount());
        row.put("p50_us", micros(histogram.getValueAtPercentile(50)));
        row.put("p95_us", micros(histogram.getValueAtPercentile(95)));
        row.put("p99_us", micros(histogram.getValueAtPercentile(99)));
        row.put("p999_us", micros(histogram.getValueAtPercentile(99.9)));
        row.put("max_us", micros(histogram.getMaxValue()));
        return row;
    }

    /**
     * Converts nanoseconds to microseconds.
     *
     * @param nanos a duration in nanoseconds
     * @return the same in microseconds
     */
    static double micros(long nanos) {
        return nanos / 1000.0;
    }

    /**
     * Returns a new histogram for latencies from 1 ns to one minute, with three significant digits.
     *
     * @return an empty histogram
     */
    static Histogram latencyHistogram() {
        return new Histogram(60_000_000_000L, 3);
    }
}
