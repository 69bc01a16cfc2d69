package org.llmgine.bus.bridge.kafka;

import java.time.Duration;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.llmgine.bus.bridge.spi.TransportChecks;

/** The transport SPI's conformance checks against a real Kafka broker. */
final class KafkaTransportConformanceTest {

    private static KafkaBroker broker;
    private static TransportChecks checks;

    @BeforeAll
    static void startBroker() throws Exception {
        broker = KafkaBroker.start(4);
        checks = new TransportChecks(() -> KafkaTransport.builder(broker.bootstrapServers()).build(),
                Duration.ofSeconds(60));
    }

    @AfterAll
    static void stopBroker() throws Exception {
        if (broker != null) {
            broker.close();
        }
    }

    private static String topic(String name) {
        return name + "-" + UUID.randomUUID();
    }

    @Test
    void recordsArriveWhole_andInOrderPerKey() throws Exception {
        String topic = topic("order");
        broker.createTopic(topic, 4); // created up front: a first send that auto-creates it waited out 60 s once in CI
        checks.recordsArriveWhole_andInOrderPerKey(topic);
    }

    @Test
    void aGroupShares_andEachGroupGetsEverything() throws Exception {
        String topic = topic("share");
        broker.createTopic(topic, 4);
        checks.aGroupShares_andEachGroupGetsEverything(topic);
    }

    @Test
    void recordsNotDone_areDeliveredAgain_afterTheirMemberLeaves() throws Exception {
        String topic = topic("again");
        broker.createTopic(topic, 4); // created up front: a first send that auto-creates it waited out 60 s once in CI
        checks.recordsNotDone_areDeliveredAgain_afterTheirMemberLeaves(topic);
    }

    @Test
    void aPausedSubscription_getsItsRecordsOnceResumed() throws Exception {
        String topic = topic("pause");
        broker.createTopic(topic, 4); // created up front: a first send that auto-creates it waited out 60 s once in CI
        checks.aPausedSubscription_getsItsRecordsOnceResumed(topic);
    }
}
