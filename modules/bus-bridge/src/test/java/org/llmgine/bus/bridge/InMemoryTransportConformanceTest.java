package org.llmgine.bus.bridge;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.llmgine.bus.bridge.memory.InMemoryTransport;
import org.llmgine.bus.bridge.spi.TransportChecks;

/** The transport SPI's conformance checks against the in-memory transport, with and without its fault knobs' reordering. */
final class InMemoryTransportConformanceTest {

    private final TransportChecks checks = new TransportChecks(InMemoryTransport::create, Duration.ofSeconds(10));
    private final TransportChecks reordering = new TransportChecks(
            () -> InMemoryTransport.builder().reorderAcrossKeys(3).partitions(7).build(), Duration.ofSeconds(10));

    @Test
    void recordsArriveWhole_andInOrderPerKey() throws Exception {
        checks.recordsArriveWhole_andInOrderPerKey("order");
        reordering.recordsArriveWhole_andInOrderPerKey("order");
    }

    @Test
    void aGroupShares_andEachGroupGetsEverything() throws Exception {
        checks.aGroupShares_andEachGroupGetsEverything("share");
    }

    @Test
    void recordsNotDone_areDeliveredAgain_afterTheirMemberLeaves() throws Exception {
        checks.recordsNotDone_areDeliveredAgain_afterTheirMemberLeaves("again");
    }

    @Test
    void aPausedSubscription_getsItsRecordsOnceResumed() throws Exception {
        checks.aPausedSubscription_getsItsRecordsOnceResumed("pause");
    }
}
