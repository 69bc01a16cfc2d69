package org.llmgine.bus.store.jdbc;

import java.io.IOException;
import java.sql.SQLException;
import org.llmgine.bus.codec.MessageCodec;
import org.llmgine.bus.resilience.DeadLetterStore;
import org.llmgine.bus.resilience.InMemoryDeadLetterStore;
import org.llmgine.bus.spi.InMemoryScheduledEventStore;
import org.llmgine.bus.spi.ScheduledEventStore;

/**
 * Every implementation of the store SPIs the conformance tests run against: the in-memory stores
 * of the core and the resilience module, and the JDBC stores on each database.
 */
enum StoreTarget {

    /** {@link InMemoryScheduledEventStore} and {@link InMemoryDeadLetterStore}. */
    IN_MEMORY(null),
    /** The JDBC stores on the machine's PostgreSQL. */
    POSTGRESQL(TestDatabase.POSTGRESQL),
    /** The JDBC stores on H2 in memory. */
    H2(TestDatabase.H2),
    /** The JDBC stores on SQLite in a file. */
    SQLITE(TestDatabase.SQLITE),
    /** The JDBC stores on the machine's MariaDB. */
    MARIADB(TestDatabase.MARIADB);

    private final TestDatabase database;

    StoreTarget(TestDatabase database) {
        this.database = database;
    }

    /** Stores of one target, for one test; closing drops what the test made. */
    interface Open extends AutoCloseable {
        ScheduledEventStore scheduledEvents();

        DeadLetterStore deadLetters(String queue);

        @Override
        void close() throws SQLException, IOException;
    }

    Open open(MessageCodec codec) throws Exception {
        if (database == null) {
            var scheduled = new InMemoryScheduledEventStore();
            var queues = new java.util.concurrent.ConcurrentHashMap<String, DeadLetterStore>();
            return new Open() {
                @Override
                public ScheduledEventStore scheduledEvents() {
                    return scheduled;
                }

                @Override
                public DeadLetterStore deadLetters(String queue) {
                    return queues.computeIfAbsent(queue, q -> new InMemoryDeadLetterStore());
                }

                @Override
                public void close() {
                }
            };
        }
        TestDatabase.Open db = database.open();
        JdbcStores stores;
        try {
            stores = JdbcStores.builder(db.dataSource()).codec(codec).build();
        } catch (SQLException | RuntimeException e) {
            db.close();
            throw e;
        }
        return new Open() {
            @Override
            public ScheduledEventStore scheduledEvents() {
                return stores.scheduledEvents();
            }

            @Override
            public DeadLetterStore deadLetters(String queue) {
                return stores.deadLetters(queue);
            }

            @Override
            public void close() throws SQLException, IOException {
                db.close();
            }
        };
    }
}
