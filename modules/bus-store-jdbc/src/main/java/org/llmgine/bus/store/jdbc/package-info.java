/**
 * JDBC stores of the bus: {@link org.llmgine.bus.store.jdbc.JdbcStores} makes them over a
 * {@link javax.sql.DataSource}; {@link org.llmgine.bus.store.jdbc.Dialect} names the databases they
 * run on.
 */
@NullMarked
package org.llmgine.bus.store.jdbc;

import org.jspecify.annotations.NullMarked;
