package org.llmgine.bus.benchmarks.harness;

import java.util.List;
import java.util.Locale;

/**
 * Draws horizontal grouped bar charts as SVG text, with no library: one group of bars per
 * category (a system and case), one bar per series (a measure), a linear or logarithmic axis.
 */
final class SvgChart {

    private static final String[] COLORS = {"#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#76b7b2", "#edc948"};
    private static final int LABEL_WIDTH = 300;
    private static final int PLOT_WIDTH = 520;
    private static final int BAR = 14;
    private static final int GAP = 10;
    private static final int TOP = 56;

    private SvgChart() {
    }

    /**
     * Draws a chart.
     *
     * @param title the chart's title
     * @param unit the unit of the values, shown on the axis
     * @param categories one label per group of bars
     * @param series one name per bar in a group (shown in the legend)
     * @param values {@code values[s][c]}: series {@code s} of category {@code c}; non-finite or
     *     non-positive values (on a log axis) are left out
     * @param log whether the axis is logarithmic
     * @return the SVG document
     * @throws IllegalArgumentException if the dimensions do not match
     */
    static String bars(String title, String unit, List<String> categories, List<String> series, double[][] values,
            boolean log) {
        if (values.length != series.size()) {
            throw new IllegalArgumentException("expected " + series.size() + " series, got " + values.length);
        }
        for (double[] row : values) {
            if (row.length != categories.size()) {
                throw new IllegalArgumentException("expected " + categories.size() + " values, got " + row.length);
            }
        }
        double max = 0;
        double min = Double.POSITIVE_INFINITY;
        for (double[] row : values) {
            for (double v : row) {
                if (Double.isFinite(v) && v > 0) {
                    max = Math.max(max, v);
                    min = Math.min(min, v);
                }
            }
        }
        Axis axis = log ? Axis.log(min, max) : Axis.linear(max);
        int group = series.size() * BAR + GAP;
        int height = TOP + categories.size() * group + 40;
        int width = LABEL_WIDTH + PLOT_WIDTH + 90;
        StringBuilder svg = new StringBuilder();
        svg.append(String.format(Locale.ROOT, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\""
                + " viewBox=\"0 0 %d %d\" font-family=\"sans-serif\" font-size=\"12\">%n", width, height, width, height));
        svg.append(String.format(Locale.ROOT, "<rect width=\"%d\" height=\"%d\" fill=\"white\"/>%n", width, height));
        svg.append(String.format(Locale.ROOT, "<text x=\"10\" y=\"20\" font-size=\"15\" font-weight=\"bold\">%s</text>%n",
                escape(title)));
        for (int s = 0; s < series.size(); s++) {
            int x = LABEL_WIDTH + s * 120;
            svg.append(String.format(Locale.ROOT, "<rect x=\"%d\" y=\"30\" width=\"12\" height=\"12\" fill=\"%s\"/>"
                    + "<text x=\"%d\" y=\"40\">%s</text>%n", x, color(s), x + 16, escape(series.get(s))));
        }
        int bottom = TOP + categories.size() * group;
        for (double tick : axis.ticks()) {
            double x = LABEL_WIDTH + axis.position(tick) * PLOT_WIDTH;
            svg.append(String.format(Locale.ROOT, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"#ddd\"/>"
                    + "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\" fill=\"#555\">%s</text>%n",
                    x, TOP - 4, x, bottom, x, bottom + 14, escape(human(tick))));
        }
        svg.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\" fill=\"#555\">%s%s</text>%n",
                LABEL_WIDTH + PLOT_WIDTH / 2, bottom + 32, escape(unit), log ? " (log scale)" : ""));
        for (int c = 0; c < categories.size(); c++) {
            int y = TOP + c * group;
            svg.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">%s</text>%n",
                    LABEL_WIDTH - 8, y + series.size() * BAR / 2 + 4, escape(categories.get(c))));
            for (int s = 0; s < series.size(); s++) {
                double v = values[s][c];
                if (!Double.isFinite(v) || log && v <= 0) {
                    continue;
                }
                double w = Math.max(1, axis.position(v) * PLOT_WIDTH);
                int by = y + s * BAR;
                svg.append(String.format(Locale.ROOT, "<rect x=\"%d\" y=\"%d\" width=\"%.1f\" height=\"%d\" fill=\"%s\">"
                        + "<title>%s %s: %s</title></rect>%n", LABEL_WIDTH, by, w, BAR - 2, color(s),
                        escape(categories.get(c)), escape(series.get(s)), escape(human(v))));
                svg.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%d\" font-size=\"10\" fill=\"#333\">%s</text>%n",
                        LABEL_WIDTH + w + 4, by + BAR - 4, escape(human(v))));
            }
        }
        return svg.append("</svg>\n").toString();
    }

    private static String color(int series) {
        return COLORS[series % COLORS.length];
    }

    /**
     * Formats a value compactly: 12.3M, 45.6k, 10k, 789, 10, 1.25.
     *
     * @param v the value
     * @return the text
     */
    static String human(double v) {
        double a = Math.abs(v);
        String text;
        if (a >= 1e9) {
            text = String.format(Locale.ROOT, "%.3gG", v / 1e9);
        } else if (a >= 1e6) {
            text = String.format(Locale.ROOT, "%.3gM", v / 1e6);
        } else if (a >= 1e4) {
            text = String.format(Locale.ROOT, "%.3gk", v / 1e3);
        } else if (a >= 100 || v == Math.rint(v)) {
            return String.format(Locale.ROOT, "%.0f", v);
        } else {
            return String.format(Locale.ROOT, "%.3g", v);
        }
        return text.replace(".00", "").replace(".0G", "G").replace(".0M", "M").replace(".0k", "k");
    }

    /**
     * Escapes text for XML.
     *
     * @param text the text
     * @return the text with {@code & < > "} escaped
     */
    static String escape(String text) {
        return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }

    /** Maps values to [0, 1] along the plot and chooses tick marks. */
    private record Axis(boolean log, double lo, double hi) {

        static Axis linear(double max) {
            double step = niceStep(max > 0 ? max : 1);
            return new Axis(false, 0, Math.ceil((max > 0 ? max : 1) / step) * step);
        }

        static Axis log(double min, double max) {
            if (!Double.isFinite(min)) {
                return new Axis(true, 0, 1);
            }
            return new Axis(true, Math.floor(Math.log10(min)), Math.max(Math.ceil(Math.log10(max)),
                    Math.floor(Math.log10(min)) + 1));
        }

        double position(double v) {
            double t = log ? (Math.log10(v) - lo) / (hi - lo) : (v - lo) / (hi - lo);
            return Math.max(0, Math.min(1, t));
        }

        List<Double> ticks() {
            if (log) {
                return java.util.stream.IntStream.rangeClosed((int) lo, (int) hi).mapToObj(e -> Math.pow(10, e)).toList();
            }
            double step = niceStep(hi);
            return java.util.stream.DoubleStream.iterate(0, t -> t <= hi + step / 2, t -> t + step).boxed().toList();
        }

        private static double niceStep(double range) {
            double raw = range / 5;
            double magnitude = Math.pow(10, Math.floor(Math.log10(raw)));
            double f = raw / magnitude;
            return (f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10) * magnitude;
        }
    }
}
