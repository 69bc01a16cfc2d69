package org.llmgine.bus.store.jdbc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The four dialects' DDL files are copies that differ only in column types and index forms (each is
 * kept whole so an application that owns its schema can take its dialect's file as it is): every
 * dialect declares the same tables, with the same columns in the same order, nullability and keys,
 * and indexes on the same tables.
 */
final class SchemaTest {

    private static final Pattern TABLE = Pattern.compile("CREATE TABLE IF NOT EXISTS (\\w+) \\((.*)\\)", Pattern.DOTALL);
    private static final Pattern INDEX = Pattern.compile("CREATE INDEX IF NOT EXISTS \\w+ ON (\\w+) \\(");

    /** Per table: each column as "name [NOT NULL] [PRIMARY KEY]", and the table's key; then the indexed tables. */
    private static Map<String, List<String>> shape(Dialect dialect) {
        Map<String, List<String>> shape = new TreeMap<>();
        List<String> indexed = new ArrayList<>();
        for (String statement : Schema.statements(dialect, "p_")) {
            Matcher table = TABLE.matcher(statement);
            Matcher index = INDEX.matcher(statement);
            if (table.find()) {
                List<String> columns = new ArrayList<>();
                for (String line : table.group(2).split("\n")) {
                    String column = line.strip().replaceAll(",$", "");
                    if (column.isEmpty()) {
                        continue;
                    }
                    if (column.startsWith("PRIMARY KEY")) {
                        columns.add(column);
                    } else {
                        String name = column.split("\\s+")[0];
                        columns.add(name + (column.contains("NOT NULL") ? " NOT NULL" : "")
                                + (column.contains("PRIMARY KEY") ? " PRIMARY KEY" : ""));
                    }
                }
                shape.put(table.group(1), columns);
            } else if (index.find()) {
                indexed.add(index.group(1));
            } else {
                throw new AssertionError(dialect + " DDL holds a statement that is neither a table nor an index: " + statement);
            }
        }
        shape.put("(indexed tables)", indexed);
        return shape;
    }

    @Test
    void everyDialect_declaresTheSameTablesColumnsAndKeys() {
        Map<String, List<String>> reference = shape(Dialect.POSTGRESQL);
        assertFalse(reference.isEmpty());
        assertEquals(List.of("p_dead_letters", "p_event_log", "p_outbox", "p_processed_messages", "p_scheduled_events"),
                reference.keySet().stream().filter(t -> t.startsWith("p_")).toList());
        for (Dialect dialect : Dialect.values()) {
            assertEquals(reference, shape(dialect), dialect + " against " + Dialect.POSTGRESQL);
        }
    }

    @Test
    void compositeKeys_leadWithTheId() {
        Map<String, List<String>> shape = shape(Dialect.POSTGRESQL);
        assertEquals("PRIMARY KEY (id, outbox_name)", shape.get("p_outbox").getLast());
        assertEquals("PRIMARY KEY (id, queue_name)", shape.get("p_dead_letters").getLast());
    }
}
