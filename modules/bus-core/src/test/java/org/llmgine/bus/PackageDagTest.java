package org.llmgine.bus;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.module.ModuleDescriptor;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.llmgine.bus.spi.BusFactory;

/**
 * The package graph has no cycle between the API and the implementation: no class of an exported
 * package names {@code org.llmgine.bus.internal} (read from the compiled class files, whose constant
 * pools name every class they use), and {@code org.llmgine.bus.base} names neither. The builder
 * finds the implementation as a service the module provides to itself.
 */
final class PackageDagTest {

    private static final List<String> API = List.of("org/llmgine/bus", "org/llmgine/bus/message",
            "org/llmgine/bus/handler", "org/llmgine/bus/middleware", "org/llmgine/bus/filter", "org/llmgine/bus/spi");

    private static Path classes() throws URISyntaxException {
        return Path.of(MessageBus.class.getProtectionDomain().getCodeSource().getLocation().toURI());
    }

    private static List<String> classesNaming(String packageDir, String needle) throws Exception {
        var offenders = new ArrayList<String>();
        Path dir = classes().resolve(packageDir);
        try (Stream<Path> files = Files.list(dir)) {
            for (Path file : files.filter(f -> f.toString().endsWith(".class")).toList()) {
                if (new String(Files.readAllBytes(file), StandardCharsets.ISO_8859_1).contains(needle)) {
                    offenders.add(file.getFileName().toString());
                }
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot read compiled classes in " + dir, e);
        }
        return offenders;
    }

    @Test
    void noApiClassNamesTheImplementation() throws Exception {
        for (String pkg : API) {
            assertEquals(List.of(), classesNaming(pkg, "org/llmgine/bus/internal/"), pkg + " depends on internal");
        }
    }

    @Test
    void theLeafPackageDependsOnNoOtherPackageOfTheBus() throws Exception {
        var names = classesNaming("org/llmgine/bus/base", "org/llmgine/bus/");
        var selfOnly = new ArrayList<String>();
        for (String name : names) {
            String text = new String(Files.readAllBytes(classes().resolve("org/llmgine/bus/base").resolve(name)),
                    StandardCharsets.ISO_8859_1);
            if (text.replace("org/llmgine/bus/base/", "").contains("org/llmgine/bus/")) {
                selfOnly.add(name);
            }
        }
        assertEquals(List.of(), selfOnly, "base names another package of the bus");
    }

    @Test
    void theModuleProvidesAndUsesItsOwnBusFactory() {
        ModuleDescriptor descriptor = MessageBus.class.getModule().getDescriptor();
        assertTrue(descriptor.uses().contains(BusFactory.class.getName()));
        var provides = descriptor.provides().stream().filter(p -> p.service().equals(BusFactory.class.getName()))
                .toList();
        assertEquals(1, provides.size());
        assertEquals(List.of("org.llmgine.bus.internal.DefaultBusFactory"), provides.get(0).providers());
        assertFalse(descriptor.exports().stream().anyMatch(e -> e.source().equals("org.llmgine.bus.base")),
                "the leaf package is not exported");
    }
}
