package org.llmgine.bus.bridge.kafka;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.locks.ReentrantLock;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.llmgine.bus.bridge.kafka.internal.KafkaSubscription;
import org.llmgine.bus.bridge.spi.InboundSink;
import org.llmgine.bus.bridge.spi.Subscription;
import org.llmgine.bus.bridge.spi.Transport;
import org.llmgine.bus.bridge.spi.TransportRecord;

/**
 * The bridge's transport over Apache Kafka (kafka-clients): one idempotent producer for every send
 * ({@code acks=all}, so a send completes when the in-sync replicas hold it, and a key's records keep
 * their order through retries), and a consumer per subscription whose thread only polls (handlers
 * run on the bus's threads), pauses while the bridge asks it to, and commits per partition only
 * the offset below which every record is done. Headers travel as UTF-8 Kafka headers, values as
 * UTF-8 strings, the record key is the bridge's key (the session id by default).
 *
 * <pre>{@code
 * KafkaTransport kafka = KafkaTransport.builder("broker-1:9092,broker-2:9092")
 *         .clientId("chat-service")
 *         .consumerConfig(Map.of("session.timeout.ms", "30000"))
 *         .build();
 * }</pre>
 */
public final class KafkaTransport implements Transport {

    private final String bootstrapServers;
    private final Map<String, Object> consumerConfig;
    private final Duration pollTimeout;
    private final String clientId;
    private final KafkaProducer<String, String> producer;
    private final ReentrantLock lock = new ReentrantLock();
    private final List<KafkaSubscription> subscriptions = new ArrayList<>();
    private boolean closed;

    private KafkaTransport(Builder b) {
        this.bootstrapServers = b.bootstrapServers;
        this.pollTimeout = b.pollTimeout;
        Map<String, Object> producerSettings = new HashMap<>();
        producerSettings.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, b.bootstrapServers);
        producerSettings.put(ProducerConfig.CLIENT_ID_CONFIG, b.clientId + "-producer");
        producerSettings.put(ProducerConfig.ACKS_CONFIG, "all");
        producerSettings.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        producerSettings.put(ProducerConfig.LINGER_MS_CONFIG, 1);
        producerSettings.putAll(b.producerConfig);
        producerSettings.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        producerSettings.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        Map<String, Object> consumerSettings = new HashMap<>();
        consumerSettings.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, b.bootstrapServers);
        consumerSettings.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        consumerSettings.putAll(b.consumerConfig);
        consumerSettings.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false); // the bridge commits what is done
        consumerSettings.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        consumerSettings.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        this.consumerConfig = Map.copyOf(consumerSettings);
        this.clientId = b.clientId;
        this.producer = new KafkaProducer<>(properties(producerSettings));
    }

    /**
     * Starts a transport to a cluster.
     *
     * @param bootstrapServers {@code host:port[,host:port...]}
     * @return a builder
     */
    public static Builder builder(String bootstrapServers) {
        return new Builder(bootstrapServers);
    }

    private static Properties properties(Map<String, Object> config) {
        Properties p = new Properties();
        p.putAll(config);
        return p;
    }

    @Override
    public CompletableFuture<Void> send(TransportRecord record) {
        Objects.requireNonNull(record, "record");
        var kafkaRecord = new ProducerRecord<String, String>(record.topic(), record.key(), record.value());
        record.headers().forEach((k, v) -> kafkaRecord.headers().add(k, v.getBytes(StandardCharsets.UTF_8)));
        var future = new CompletableFuture<Void>();
        try {
            producer.send(kafkaRecord, (metadata, error) -> {
                if (error != null) {
                    future.completeExceptionally(error);
                } else {
                    future.complete(null);
                }
            });
        } catch (RuntimeException e) {
            future.completeExceptionally(e);
        }
        return future;
    }

    @Override
    public Subscription subscribe(Set<String> topics, String group, InboundSink sink) {
        Objects.requireNonNull(group, "group");
        Objects.requireNonNull(sink, "sink");
        if (topics.isEmpty()) {
            throw new IllegalArgumentException("a Kafka subscription of group '" + group + "' needs at least one topic");
        }
        Map<String, Object> config = new HashMap<>(consumerConfig);
        config.put(ConsumerConfig.GROUP_ID_CONFIG, group);
        config.putIfAbsent(ConsumerConfig.CLIENT_ID_CONFIG, clientId + "-" + group);
        lock.lock();
        try {
            if (closed) {
                throw new IllegalStateException(describe() + " is closed; cannot subscribe group " + group);
            }
            var consumer = new KafkaConsumer<String, String>(properties(config));
            var subscription = new KafkaSubscription(consumer, topics, group, sink, pollTimeout);
            subscriptions.add(subscription);
            return subscription;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Makes every record sent so far leave the producer, and waits until the broker has them.
     */
    public void flush() {
        producer.flush();
    }

    @Override
    public String describe() {
        return "kafka[" + bootstrapServers + "]";
    }

    /**
     * Closes every subscription (each commits what is done), then the producer (sending what it
     * holds, up to 10 s).
     */
    @Override
    public void close() {
        List<KafkaSubscription> open;
        lock.lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
            open = List.copyOf(subscriptions);
        } finally {
            lock.unlock();
        }
        open.forEach(KafkaSubscription::close);
        producer.close(Duration.ofSeconds(10));
    }

    @Override
    public String toString() {
        return describe();
    }

    /** Builds a {@link KafkaTransport}. */
    public static final class Builder {
        private final String bootstrapServers;
        private String clientId = "llmgine-bridge";
        private Map<String, Object> producerConfig = Map.of();
        private Map<String, Object> consumerConfig = Map.of();
        private Duration pollTimeout = Duration.ofMillis(100);

        private Builder(String bootstrapServers) {
            Objects.requireNonNull(bootstrapServers, "bootstrapServers");
            if (bootstrapServers.isBlank()) {
                throw new IllegalArgumentException("bootstrapServers must not be blank");
            }
            this.bootstrapServers = bootstrapServers;
        }

        /**
         * Sets the prefix of the clients' ids (in the broker's logs and metrics).
         *
         * @param clientId not blank; default {@code llmgine-bridge}
         * @return this builder
         */
        public Builder clientId(String clientId) {
            if (clientId.isBlank()) {
                throw new IllegalArgumentException("clientId must not be blank");
            }
            this.clientId = clientId;
            return this;
        }

        /**
         * Adds producer settings (security, batching, compression); the serializers are the bridge's.
         *
         * @param config kafka-clients producer settings
         * @return this builder
         */
        public Builder producerConfig(Map<String, ?> config) {
            this.producerConfig = Map.copyOf(config);
            return this;
        }

        /**
         * Adds consumer settings (security, session and poll timeouts, group protocol); the
         * deserializers, the group id and auto-commit (off) are the bridge's.
         *
         * @param config kafka-clients consumer settings
         * @return this builder
         */
        public Builder consumerConfig(Map<String, ?> config) {
            this.consumerConfig = Map.copyOf(config);
            return this;
        }

        /**
         * Sets how long one poll waits for records: also how soon a pause, resume or close takes
         * effect, and how often done records are committed.
         *
         * @param timeout positive; default 100 ms
         * @return this builder
         */
        public Builder pollTimeout(Duration timeout) {
            if (timeout.isNegative() || timeout.isZero()) {
                throw new IllegalArgumentException("pollTimeout must be positive, but was " + timeout);
            }
            this.pollTimeout = timeout;
            return this;
        }

        /**
         * Connects the producer (consumers connect when they subscribe).
         *
         * @return the transport
         */
        public KafkaTransport build() {
            return new KafkaTransport(this);
        }
    }
}
