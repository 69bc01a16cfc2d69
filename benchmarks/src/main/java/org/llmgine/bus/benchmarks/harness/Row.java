package org.llmgine.bus.benchmarks.harness;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Builds the rows scenarios report: ordered maps from JSON field names to values.
 */
final class Row {

    private Row() {
    }

    /**
     * Makes a row from alternating names and values.
     *
     * @param namesAndValues name, value, name, value, ...
     * @return an ordered, mutable row
     * @throws IllegalArgumentException if the count is odd or a name is not a string
     */
    static Map<String, Object> of(Object... namesAndValues) {
        if (namesAndValues.length % 2 != 0) {
            throw new IllegalArgumentException("names and values must come in pairs, but got " + namesAndValues.length);
        }
        Map<String, Object> row = new LinkedHashMap<>();
        for (int i = 0; i < namesAndValues.length; i += 2) {
            if (!(namesAndValues[i] instanceof String name)) {
                throw new IllegalArgumentException("field name must be a string, but was " + namesAndValues[i]);
            }
            row.put(name, namesAndValues[i + 1]);
        }
        return row;
    }
}
