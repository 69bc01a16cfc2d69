package org.llmgine.bus.benchmarks.harness;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The machine and JVM a run happened on: cores, CPU model, memory, OS, JVM version and flags,
 * and the peak resident set size of this process.
 */
final class MachineInfo {

    private MachineInfo() {
    }

    /**
     * Describes the machine and JVM.
     *
     * @return ordered fields for JSON and RESULTS.md
     */
    static Map<String, Object> describe() {
        Map<String, Object> info = new LinkedHashMap<>();
        info.put("cores", Runtime.getRuntime().availableProcessors());
        info.put("cpu_model", procField("/proc/cpuinfo", "model name").orElse("unknown"));
        info.put("memory_total", procField("/proc/meminfo", "MemTotal").orElse("unknown"));
        info.put("os", System.getProperty("os.name") + " " + System.getProperty("os.version") + " "
                + System.getProperty("os.arch"));
        info.put("os_release", osRelease().orElse("unknown"));
        info.put("java_version", System.getProperty("java.version"));
        info.put("java_vm_name", System.getProperty("java.vm.name"));
        info.put("java_vm_version", System.getProperty("java.vm.version"));
        info.put("jvm_args", List.copyOf(ManagementFactory.getRuntimeMXBean().getInputArguments()));
        info.put("max_heap_bytes", Runtime.getRuntime().maxMemory());
        return info;
    }

    /**
     * Returns the peak resident set size of this process, VmHWM from /proc/self/status.
     *
     * @return bytes, or -1 where /proc is unavailable
     */
    static long peakRssBytes() {
        return procField("/proc/self/status", "VmHWM").map(MachineInfo::kilobytes).orElse(-1L);
    }

    private static long kilobytes(String value) {
        String digits = value.replaceAll("[^0-9]", "");
        return digits.isEmpty() ? -1 : Long.parseLong(digits) * 1024;
    }

    private static Optional<String> procField(String file, String key) {
        try {
            for (String line : Files.readAllLines(Path.of(file))) {
                int colon = line.indexOf(':');
                if (colon > 0 && line.substring(0, colon).trim().equals(key)) {
                    return Optional.of(line.substring(colon + 1).trim());
                }
            }
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
        return Optional.empty();
    }

    private static Optional<String> osRelease() {
        try {
            for (String line : Files.readAllLines(Path.of("/etc/os-release"))) {
                if (line.startsWith("PRETTY_NAME=")) {
                    return Optional.of(line.substring("PRETTY_NAME=".length()).replace("\"", ""));
                }
            }
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
        return Optional.empty();
    }
}
