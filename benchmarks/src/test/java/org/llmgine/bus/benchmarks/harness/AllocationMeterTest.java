package org.llmgine.bus.benchmarks.harness;

import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The allocation counter the harness divides by events counts what virtual threads allocate. */
final class AllocationMeterTest {

    @Test
    void totalAllocatedBytes_includesVirtualThreadAllocations() throws InterruptedException {
        assertTrue(AllocationMeter.supported(), "this JVM measures allocation per thread");
        assertTrue(AllocationMeter.countsVirtualThreads());
    }

    @Test
    void totalAllocatedBytes_neverDecreases() {
        long before = AllocationMeter.totalAllocatedBytes();
        byte[][] keep = new byte[1000][];
        for (int i = 0; i < keep.length; i++) {
            keep[i] = new byte[100];
        }
        assertTrue(AllocationMeter.totalAllocatedBytes() >= before + keep.length * 100L);
    }
}
