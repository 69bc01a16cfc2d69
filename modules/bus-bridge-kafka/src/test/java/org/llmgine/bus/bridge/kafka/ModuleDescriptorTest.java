package org.llmgine.bus.bridge.kafka;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.module.ModuleDescriptor;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.junit.jupiter.api.Test;

/** The module exports its API only, and kafka-clients is the automatic module named from its file. */
final class ModuleDescriptorTest {

    private final Module module = KafkaTransport.class.getModule();

    @Test
    void exportsOnlyItsApi() {
        assertTrue(module.isNamed(), "the tests run on the module path");
        ModuleDescriptor descriptor = module.getDescriptor();
        assertEquals("org.llmgine.bus.bridge.kafka", descriptor.name());
        assertEquals(Set.of("org.llmgine.bus.bridge.kafka"),
                descriptor.exports().stream().map(ModuleDescriptor.Exports::source).collect(Collectors.toSet()));
        assertTrue(descriptor.packages().contains("org.llmgine.bus.bridge.kafka.internal"));
        assertFalse(descriptor.isOpen());
    }

    @Test
    void kafkaClients_isTheAutomaticModuleKafkaClients() {
        Module clients = KafkaProducer.class.getModule();
        assertEquals("kafka.clients", clients.getName());
        assertTrue(clients.getDescriptor().isAutomatic(), "kafka-clients has no module-info");
        Set<String> requires = module.getDescriptor().requires().stream()
                .filter(r -> !r.modifiers().contains(ModuleDescriptor.Requires.Modifier.MANDATED))
                .map(ModuleDescriptor.Requires::name).collect(Collectors.toSet());
        assertEquals(Set.of("org.llmgine.bus.bridge", "kafka.clients", "org.jspecify"), requires);
    }
}
