package org.llmgine.bus.benchmarks.harness;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

final class OptionsTest {

    @Test
    void parse_readsEveryOption() {
        Options o = Options.parse(new String[] {"latency", "--duration", "2", "--json", "out.json", "--rate", "5000",
                "--rounds", "2", "--seed", "7", "--out", "/tmp/x"});
        assertEquals("latency", o.scenario());
        assertEquals(2.0, o.durationSeconds());
        assertEquals(Path.of("out.json"), o.json());
        assertEquals(5000, o.rate());
        assertEquals(2, o.rounds(60));
        assertEquals(7, o.seed());
        assertEquals(Path.of("/tmp/x"), o.outDir());
    }

    @Test
    void defaults_useTheScenarioDuration_andOneRoundForShortRuns() {
        Options o = Options.parse(new String[] {"throughput"});
        assertNull(o.durationSeconds());
        assertEquals(60, o.duration(60));
        assertEquals(3, o.rounds(60));
        assertEquals(1, o.rounds(2));
        assertEquals(100_000, o.rate());
    }

    @Test
    void parse_rejectsUnknownScenariosOptionsAndValues() {
        assertThrows(IllegalArgumentException.class, () -> Options.parse(new String[] {}));
        assertThrows(IllegalArgumentException.class, () -> Options.parse(new String[] {"nope"}));
        assertThrows(IllegalArgumentException.class, () -> Options.parse(new String[] {"chaos", "--bogus", "1"}));
        assertThrows(IllegalArgumentException.class, () -> Options.parse(new String[] {"chaos", "--duration"}));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Options.parse(new String[] {"chaos", "--duration", "-1"}));
        assertTrue(e.getMessage().contains("-1"), e.getMessage());
    }
}
