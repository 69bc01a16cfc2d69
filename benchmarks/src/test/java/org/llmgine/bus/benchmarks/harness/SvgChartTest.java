package org.llmgine.bus.benchmarks.harness;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

final class SvgChartTest {

    private static long count(String text, String part) {
        return (text.length() - text.replace(part, "").length()) / part.length();
    }

    @Test
    void bars_drawsOneBarPerFiniteValue_andEscapesLabels() {
        String svg = SvgChart.bars("a <chart>", "events/s", List.of("bus & co", "queue"), List.of("p50", "p99"),
                new double[][] {{1, 2}, {3, Double.NaN}}, false);
        assertTrue(svg.startsWith("<svg xmlns=\"http://www.w3.org/2000/svg\""));
        assertTrue(svg.endsWith("</svg>\n"));
        assertEquals(3, count(svg, "<title>"), "three finite values, three bars");
        assertTrue(svg.contains("a &lt;chart&gt;"));
        assertTrue(svg.contains("bus &amp; co"));
        assertFalse(svg.contains("bus & co"));
        assertEquals(1 + 2 + 3, count(svg, "<rect"), "background, two legend keys, three bars");
        assertEquals(3, count(svg, "</rect>"), "each bar carries its tooltip");
    }

    @Test
    void bars_onALogAxis_leavesOutNonPositiveValues_andTicksAtPowersOfTen() {
        String svg = SvgChart.bars("latency", "us", List.of("a", "b"), List.of("p99"),
                new double[][] {{0, 150}}, true);
        assertEquals(1, count(svg, "<title>"));
        assertTrue(svg.contains(">100<"), svg);
        assertTrue(svg.contains("(log scale)"));
    }

    @Test
    void bars_refusesMismatchedDimensions() {
        assertThrows(IllegalArgumentException.class, () -> SvgChart.bars("t", "u", List.of("a"), List.of("s"),
                new double[][] {{1, 2}}, false));
    }

    @Test
    void human_formatsMagnitudes() {
        assertEquals("12.3M", SvgChart.human(12_345_678));
        assertEquals("45.7k", SvgChart.human(45_678));
        assertEquals("789", SvgChart.human(789));
        assertEquals("1.25", SvgChart.human(1.25));
        assertEquals("10", SvgChart.human(10));
        assertEquals("10k", SvgChart.human(10_000));
        assertEquals("2M", SvgChart.human(2_000_000));
    }
}
