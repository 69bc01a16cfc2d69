-- llmgine-bus JDBC stores, sqlite DDL. Applied at start unless the application owns the schema
-- (JdbcStores.Builder.applySchema(false)); ${prefix} is the table prefix (default llmgine_).
-- Times are nanoseconds since the epoch (exact Instant round trips on every database).

CREATE TABLE IF NOT EXISTS ${prefix}scheduled_events (
    id VARCHAR(100) NOT NULL PRIMARY KEY,
    session_id VARCHAR(255),
    type_id VARCHAR(200) NOT NULL,
    payload TEXT NOT NULL,
    headers TEXT NOT NULL,
    priority INTEGER NOT NULL,
    due_at_ns INTEGER NOT NULL,
    claimed_by VARCHAR(36),
    claim_until_ns INTEGER,
    created_at_ns INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS ${prefix}scheduled_events_due ON ${prefix}scheduled_events (due_at_ns);
CREATE INDEX IF NOT EXISTS ${prefix}scheduled_events_session ON ${prefix}scheduled_events (session_id);

CREATE TABLE IF NOT EXISTS ${prefix}dead_letters (
    queue_name VARCHAR(100) NOT NULL,
    id VARCHAR(100) NOT NULL,
    message_id VARCHAR(100) NOT NULL,
    session_id VARCHAR(255),
    type_id VARCHAR(200) NOT NULL,
    payload TEXT NOT NULL,
    headers TEXT NOT NULL,
    priority INTEGER NOT NULL,
    handler VARCHAR(500),
    cause TEXT NOT NULL,
    attempts INTEGER NOT NULL,
    first_failure_ns INTEGER NOT NULL,
    last_failure_ns INTEGER NOT NULL,
    enqueued_at_ns INTEGER NOT NULL,
    held_behind VARCHAR(100),
    claimed_by VARCHAR(36),
    claim_until_ns INTEGER,
    PRIMARY KEY (id, queue_name)
);
CREATE INDEX IF NOT EXISTS ${prefix}dead_letters_session ON ${prefix}dead_letters (queue_name, session_id);
CREATE INDEX IF NOT EXISTS ${prefix}dead_letters_enqueued ON ${prefix}dead_letters (queue_name, enqueued_at_ns);

CREATE TABLE IF NOT EXISTS ${prefix}outbox (
    outbox_name VARCHAR(100) NOT NULL,
    id VARCHAR(100) NOT NULL,
    session_id VARCHAR(255),
    type_id VARCHAR(200) NOT NULL,
    payload TEXT NOT NULL,
    headers TEXT NOT NULL,
    destination VARCHAR(255) NOT NULL,
    record_key VARCHAR(255),
    state VARCHAR(16) NOT NULL,
    attempts INTEGER NOT NULL,
    not_before_ns INTEGER NOT NULL,
    claimed_by VARCHAR(36),
    claim_until_ns INTEGER,
    last_error TEXT,
    created_at_ns INTEGER NOT NULL,
    completed_at_ns INTEGER,
    PRIMARY KEY (id, outbox_name)
);
CREATE INDEX IF NOT EXISTS ${prefix}outbox_due ON ${prefix}outbox (outbox_name, state, not_before_ns);
CREATE INDEX IF NOT EXISTS ${prefix}outbox_lease ON ${prefix}outbox (outbox_name, state, claim_until_ns);
CREATE INDEX IF NOT EXISTS ${prefix}outbox_session ON ${prefix}outbox (session_id, outbox_name);

CREATE TABLE IF NOT EXISTS ${prefix}event_log (
    id VARCHAR(100) NOT NULL PRIMARY KEY,
    seq INTEGER NOT NULL,
    bus_name VARCHAR(100) NOT NULL,
    session_id VARCHAR(255),
    type_id VARCHAR(200) NOT NULL,
    payload TEXT,
    headers TEXT NOT NULL,
    priority INTEGER NOT NULL,
    accepted_at_ns INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS ${prefix}event_log_session ON ${prefix}event_log (session_id, accepted_at_ns);
CREATE INDEX IF NOT EXISTS ${prefix}event_log_time ON ${prefix}event_log (accepted_at_ns);

CREATE TABLE IF NOT EXISTS ${prefix}processed_messages (
    message_id VARCHAR(200) NOT NULL,
    consumer_group VARCHAR(255) NOT NULL,
    processed_at_ns INTEGER NOT NULL,
    PRIMARY KEY (message_id, consumer_group)
);
CREATE INDEX IF NOT EXISTS ${prefix}processed_messages_time ON ${prefix}processed_messages (processed_at_ns);
