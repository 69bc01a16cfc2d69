package org.llmgine.bus.codec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.module.ModuleDescriptor;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** The module exports only its API, opens nothing, and requires the bus transitively and Jackson. */
final class ModuleDescriptorTest {

    private final Module module = JsonCodec.class.getModule();

    @Test
    void runsAsANamedModule_exportingOnlyItsApi_openingNothing() {
        assertTrue(module.isNamed(), "tests run on the module path");
        ModuleDescriptor descriptor = module.getDescriptor();
        assertEquals("org.llmgine.bus.codec", descriptor.name());
        assertEquals(Set.of("org.llmgine.bus.codec"),
                descriptor.exports().stream().map(ModuleDescriptor.Exports::source).collect(Collectors.toSet()));
        assertTrue(descriptor.exports().stream().noneMatch(ModuleDescriptor.Exports::isQualified));
        assertTrue(descriptor.opens().isEmpty());
        assertTrue(!descriptor.isOpen() && descriptor.uses().isEmpty() && descriptor.provides().isEmpty());
    }

    @Test
    void requiresTheBusTransitively_jacksonDatabind_andJspecifyAtCompileTimeOnly() {
        Set<String> requires = module.getDescriptor().requires().stream()
                .filter(r -> !r.name().equals("java.base"))
                .map(r -> r.name() + r.modifiers().stream().map(m -> " " + m.name().toLowerCase(Locale.ROOT))
                        .sorted().collect(Collectors.joining()))
                .collect(Collectors.toSet());
        assertEquals(Set.of("org.llmgine.bus transitive", "tools.jackson.databind",
                "org.jspecify static transitive"), requires);
    }

    @Test
    void jacksonIsARealModule_notAnAutomaticOne() {
        Module jackson = tools.jackson.databind.ObjectMapper.class.getModule();
        assertEquals("tools.jackson.databind", jackson.getName());
        assertTrue(!jackson.getDescriptor().isAutomatic());
        assertTrue(!tools.jackson.core.JsonParser.class.getModule().getDescriptor().isAutomatic());
    }
}
