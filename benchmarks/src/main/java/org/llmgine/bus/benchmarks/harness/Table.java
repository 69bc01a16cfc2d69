package org.llmgine.bus.benchmarks.harness;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * Renders rows as an aligned plain-text table, or as a Markdown table.
 */
final class Table {

    private Table() {
    }

    /**
     * Renders rows as aligned text, one line per row, with a header.
     *
     * @param columns the fields to show, in order
     * @param rows the rows; a missing field shows as "-"
     * @return the table text
     */
    static String text(List<String> columns, List<Map<String, Object>> rows) {
        List<String[]> cells = cells(columns, rows);
        int[] width = new int[columns.size()];
        for (String[] line : cells) {
            for (int c = 0; c < line.length; c++) {
                width[c] = Math.max(width[c], line[c].length());
            }
        }
        StringBuilder out = new StringBuilder();
        for (int r = 0; r < cells.size(); r++) {
            String[] line = cells.get(r);
            for (int c = 0; c < line.length; c++) {
                boolean left = r == 0 || !isNumeric(line[c]);
                String cell = left ? pad(line[c], width[c], false) : pad(line[c], width[c], true);
                out.append(c == 0 ? "" : "  ").append(cell);
            }
            out.append('\n');
            if (r == 0) {
                for (int c = 0; c < width.length; c++) {
                    out.append(c == 0 ? "" : "  ").append("-".repeat(width[c]));
                }
                out.append('\n');
            }
        }
        return out.toString();
    }

    /**
     * Renders rows as a GitHub Markdown table.
     *
     * @param columns the fields to show, in order
     * @param rows the rows
     * @return the Markdown text
     */
    static String markdown(List<String> columns, List<Map<String, Object>> rows) {
        List<String[]> cells = cells(columns, rows);
        StringBuilder out = new StringBuilder();
        for (int r = 0; r < cells.size(); r++) {
            out.append("| ").append(String.join(" | ", cells.get(r))).append(" |\n");
            if (r == 0) {
                out.append("|").append("---|".repeat(columns.size())).append('\n');
            }
        }
        return out.toString();
    }

    private static List<String[]> cells(List<String> columns, List<Map<String, Object>> rows) {
        List<String[]> cells = new ArrayList<>();
        cells.add(columns.toArray(String[]::new));
        for (Map<String, Object> row : rows) {
            String[] line = new String[columns.size()];
            for (int c = 0; c < line.length; c++) {
                line[c] = format(row.get(columns.get(c)));
            }
            cells.add(line);
        }
        return cells;
    }

    /**
     * Formats one value for a table: large numbers with thousands separators, fractions with
     * three significant digits.
     *
     * @param value the value or null
     * @return the text
     */
    static String format(@Nullable Object value) {
        if (value == null) {
            return "-";
        }
        if (value instanceof Double d) {
            if (!Double.isFinite(d)) {
                return "-";
            }
            double a = Math.abs(d);
            if (a >= 1000) {
                return String.format(Locale.ROOT, "%,.0f", d);
            }
            if (a >= 100) {
                return String.format(Locale.ROOT, "%.0f", d);
            }
            if (a >= 10) {
                return String.format(Locale.ROOT, "%.1f", d);
            }
            return String.format(Locale.ROOT, "%.2f", d);
        }
        if (value instanceof Long || value instanceof Integer) {
            return String.format(Locale.ROOT, "%,d", ((Number) value).longValue());
        }
        return String.valueOf(value);
    }

    private static boolean isNumeric(String cell) {
        return !cell.isEmpty() && (Character.isDigit(cell.charAt(0)) || cell.charAt(0) == '-' && cell.length() > 1);
    }

    private static String pad(String s, int width, boolean right) {
        String spaces = " ".repeat(Math.max(0, width - s.length()));
        return right ? spaces + s : s + spaces;
    }
}
