package org.llmgine.bus.bridge.kafka.internal;

import java.lang.System.Logger.Level;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.consumer.CloseOptions;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.llmgine.bus.bridge.spi.InboundDelivery;
import org.llmgine.bus.bridge.spi.InboundSink;
import org.llmgine.bus.bridge.spi.Subscription;
import org.llmgine.bus.bridge.spi.TransportRecord;

/**
 * One Kafka consumer and the thread that polls it. The loop only polls, hands records to the sink
 * (which queues them and returns), applies pause and resume, and commits per partition the offset
 * below which every record is done ({@link PartitionProgress}): never past a record still in
 * flight. Handlers run on the bus's threads, so a slow one never delays a poll and the consumer
 * never exceeds {@code max.poll.interval.ms} because of it. On a rebalance the revoked partitions'
 * done offsets are committed first; their records in flight are then the new owner's, from the
 * committed offset (delivered again, never lost), and their late {@code done} calls are ignored.
 *
 * <p>The consumer is touched only by the poll thread; other threads set flags it reads.
 */
public final class KafkaSubscription implements Subscription {

    private static final System.Logger LOG = System.getLogger("org.llmgine.bus.bridge.kafka");

    private final KafkaConsumer<String, String> consumer;
    private final Set<String> topics;
    private final String group;
    private final InboundSink sink;
    private final Duration pollTimeout;
    private final Map<TopicPartition, PartitionProgress> progress = new ConcurrentHashMap<>();
    private final AtomicBoolean running = new AtomicBoolean(true);
    private volatile boolean pauseWanted;
    private boolean pausedNow;
    private final Thread poller;

    /**
     * Subscribes and starts polling.
     *
     * @param consumer a consumer of {@code group}, auto-commit off
     * @param topics the topics
     * @param group the group, for logs
     * @param sink where records go
     * @param pollTimeout how long one poll waits for records
     */
    public KafkaSubscription(KafkaConsumer<String, String> consumer, Set<String> topics, String group, InboundSink sink,
            Duration pollTimeout) {
        this.consumer = consumer;
        this.topics = Set.copyOf(topics);
        this.group = group;
        this.sink = sink;
        this.pollTimeout = pollTimeout;
        this.poller = Thread.ofPlatform().daemon().name("kafka-poll-" + group).start(this::run);
    }

    private void run() {
        try {
            consumer.subscribe(topics, new Rebalance());
            while (running.get()) {
                applyPause();
                ConsumerRecords<String, String> records;
                records = consumer.poll(pollTimeout);
                for (ConsumerRecord<String, String> record : records) {
                    deliver(record);
                }
                commit(false);
            }
            commit(true);
        } catch (RuntimeException e) {
            LOG.log(Level.ERROR, "the Kafka consumer of group '" + group + "' on " + topics + " stopped; its records"
                    + " not committed will be delivered again to the group", e);
        } finally {
            try {
                consumer.close(CloseOptions.timeout(Duration.ofSeconds(5)));
            } catch (RuntimeException e) {
                LOG.log(Level.WARNING, "closing the Kafka consumer of group '" + group + "' failed", e);
            }
        }
    }

    private void deliver(ConsumerRecord<String, String> record) {
        TopicPartition partition = new TopicPartition(record.topic(), record.partition());
        // poll returns records of partitions assigned when it returns (the rebalance callbacks run
        // inside it), so the progress is there; made here if an assignment callback did not run
        PartitionProgress p = progress.computeIfAbsent(partition, tp -> new PartitionProgress(record.offset()));
        p.fetched(record.offset());
        Map<String, String> headers = new HashMap<>();
        for (Header h : record.headers()) {
            headers.put(h.key(), h.value() == null ? "" : new String(h.value(), StandardCharsets.UTF_8));
        }
        var transportRecord = new TransportRecord(record.topic(), record.key(), headers,
                record.value() == null ? "" : record.value());
        long offset = record.offset();
        var delivery = new InboundDelivery() {
            @Override
            public TransportRecord record() {
                return transportRecord;
            }

            @Override
            public String position() {
                return partition + "@" + offset;
            }

            @Override
            public void done() {
                PartitionProgress current = progress.get(partition);
                if (current == p) {
                    p.done(offset);
                }
            }
        };
        try {
            sink.accept(delivery);
        } catch (RuntimeException e) {
            LOG.log(Level.ERROR, "the sink of group '" + group + "' threw on " + delivery.position()
                    + "; the record stays not done", e);
        }
    }

    /** Commits, per partition, the offset below which every record is done; on the poll thread. */
    private void commit(boolean sync) {
        Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
        progress.forEach((tp, p) -> {
            long offset = p.toCommit();
            if (offset >= 0) {
                offsets.put(tp, new OffsetAndMetadata(offset));
            }
        });
        commit(offsets, sync);
    }

    private void commit(Map<TopicPartition, OffsetAndMetadata> offsets, boolean sync) {
        if (offsets.isEmpty()) {
            return;
        }
        try {
            if (sync) {
                consumer.commitSync(offsets);
                offsets.forEach((tp, o) -> committed(tp, o.offset()));
            } else {
                consumer.commitAsync(offsets, (done, error) -> {
                    if (error == null) {
                        done.forEach((tp, o) -> committed(tp, o.offset()));
                    } else {
                        LOG.log(Level.DEBUG, () -> "commit of group '" + group + "' failed (tried again): " + error);
                    }
                });
            }
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "commit of group '" + group + "' failed: " + offsets + "; those records may be"
                    + " delivered again", e);
        }
    }

    private void committed(TopicPartition tp, long offset) {
        PartitionProgress p = progress.get(tp);
        if (p != null) {
            p.committed(offset);
        }
    }

    private void applyPause() {
        boolean want = pauseWanted;
        if (want != pausedNow) {
            if (want) {
                consumer.pause(consumer.assignment());
            } else {
                consumer.resume(consumer.paused());
            }
            pausedNow = want;
        }
    }

    /** Commits what the revoked partitions finished, and forgets them; on the poll thread. */
    private final class Rebalance implements ConsumerRebalanceListener {
        @Override
        public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
            Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
            for (TopicPartition tp : partitions) {
                PartitionProgress p = progress.get(tp);
                if (p != null && p.toCommit() >= 0) {
                    offsets.put(tp, new OffsetAndMetadata(p.toCommit()));
                }
            }
            commit(offsets, true);
            partitions.forEach(progress::remove);
        }

        @Override
        public void onPartitionsLost(Collection<TopicPartition> partitions) {
            partitions.forEach(progress::remove); // another member owns them already: nothing to commit
        }

        @Override
        public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
            for (TopicPartition tp : partitions) {
                progress.put(tp, new PartitionProgress(consumer.position(tp)));
            }
            if (pausedNow && !partitions.isEmpty()) {
                consumer.pause(partitions);
            }
        }
    }

    @Override
    public void pause() {
        pauseWanted = true;
    }

    @Override
    public void resume() {
        pauseWanted = false; // applied by the poll thread within one poll timeout
    }

    @Override
    public boolean isPaused() {
        return pauseWanted;
    }

    @Override
    public void close() {
        // no wakeup(): it would throw out of whatever blocking call the poll thread makes next (a
        // rebalance callback's position() among them); the loop sees the flag within a poll timeout
        running.set(false);
        if (Thread.currentThread() != poller) {
            try {
                poller.join(Duration.ofSeconds(30));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    @Override
    public String toString() {
        return "KafkaSubscription[group=" + group + ", topics=" + topics + "]";
    }
}
