package org.llmgine.bus.bridge.kafka;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A child JVM running a main class of this package as a plain class-path program (so Jackson reads
 * the test records without any opens), built from the test JVM's own java binary, module path and
 * class path plus the directory the test classes came from. Its stdout and stderr are one stream,
 * read line by line on a thread of its own; callers wait for lines with a deadline, never longer.
 *
 * <p>Concurrency: the reader thread is the only writer of {@code lines} and {@code transcript};
 * callers take from the blocking queue.
 */
final class ChildJvm implements AutoCloseable {

    /** The exit value of a process killed by SIGKILL on Linux, 128 + 9. */
    static final int SIGKILL_EXIT = 137;

    /** Marks the end of the child's output in {@link #lines}. */
    private static final String END = "\u0000end";

    private final String name;
    private final List<String> command;
    private final Process process;
    private final LinkedBlockingQueue<String> lines = new LinkedBlockingQueue<>();
    private final List<String> transcript = new CopyOnWriteArrayList<>();
    private final Thread reader;

    private ChildJvm(String name, List<String> command, Process process) {
        this.name = name;
        this.command = List.copyOf(command);
        this.process = process;
        this.reader = Thread.ofPlatform().daemon().name("child-jvm-" + name + "-reader").start(this::read);
    }

    /**
     * Starts {@code main} in a new JVM.
     *
     * @param name for diagnostics
     * @param main a class of this package with a {@code main} method
     * @param args its arguments
     */
    static ChildJvm start(String name, Class<?> main, String... args) throws IOException {
        String java = ProcessHandle.current().info().command()
                .orElseGet(() -> Path.of(System.getProperty("java.home"), "bin", "java").toString());
        List<String> command = new ArrayList<>(List.of(java, "-Xmx256m", "-XX:+UseSerialGC", "-cp", classPath(main),
                main.getName()));
        command.addAll(List.of(args));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        return new ChildJvm(name, command, process);
    }

    /** The test JVM's module path and class path, and the root the test classes were loaded from. */
    private static String classPath(Class<?> main) {
        Set<String> entries = new LinkedHashSet<>();
        entries.add(testClassesRoot(main));
        for (String property : List.of("jdk.module.path", "java.class.path")) {
            String value = System.getProperty(property);
            if (value != null) {
                for (String entry : value.split(File.pathSeparator)) {
                    if (!entry.isBlank()) {
                        entries.add(entry);
                    }
                }
            }
        }
        return String.join(File.pathSeparator, entries);
    }

    private static String testClassesRoot(Class<?> main) {
        String resource = main.getName().replace('.', '/') + ".class";
        URL url = main.getResource("/" + resource);
        if (url == null || !url.getProtocol().equals("file")) {
            throw new IllegalStateException("cannot find the directory of test class " + main.getName() + ": " + url);
        }
        try {
            Path file = Path.of(url.toURI());
            Path root = file;
            for (int i = 0; i < main.getName().split("\\.").length; i++) {
                root = root.getParent();
            }
            return root.toString();
        } catch (URISyntaxException e) {
            throw new IllegalStateException("cannot read the location of " + main.getName() + ": " + url, e);
        }
    }

    /**
     * Called first by a child's main: ends the child when the test JVM that started it is gone (its
     * end of the child's stdin closes), so a test JVM that dies leaves no child running.
     */
    static void exitWithParent() {
        Thread.ofPlatform().daemon().name("exit-with-parent").start(() -> {
            try {
                while (System.in.read() >= 0) {
                    // nothing is sent: wait for the end of the stream
                }
            } catch (IOException e) {
                // the parent is gone all the same
            }
            Runtime.getRuntime().halt(3);
        });
    }

    private void read() {
        try (BufferedReader in = new BufferedReader(new InputStreamReader(process.getInputStream(),
                StandardCharsets.UTF_8))) {
            String line;
            while ((line = in.readLine()) != null) {
                transcript.add(line);
                lines.add(line);
            }
        } catch (IOException e) {
            transcript.add("(reading the child's output failed: " + e + ")");
        } finally {
            lines.add(END);
        }
    }

    /**
     * Returns the lines the child printed before it printed {@code marker}, waiting for it at most
     * {@code timeout}.
     *
     * @throws AssertionError with the child's output if the marker does not come in time or the
     *     child's output ends first
     */
    List<String> linesUntil(String marker, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        List<String> before = new ArrayList<>();
        while (true) {
            String line = lines.poll(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            if (line == null) {
                throw new AssertionError("child " + name + " did not print " + marker + " within " + timeout
                        + "; its output:\n" + transcript());
            }
            if (line.equals(END)) {
                lines.add(END);
                process.waitFor(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
                throw new AssertionError("child " + name + " ended (" + exitDescription() + ") before printing "
                        + marker + "; its command: " + command + "; its output:\n" + transcript());
            }
            if (line.equals(marker)) {
                return before;
            }
            before.add(line);
        }
    }

    /** Whether the child is running. */
    boolean isAlive() {
        return process.isAlive();
    }

    /**
     * Kills the child with SIGKILL ({@link Process#destroyForcibly()} on Linux) and waits for it
     * to end, at most {@code timeout}.
     *
     * @return its exit value
     * @throws AssertionError if it does not end in time
     */
    int kill(Duration timeout) throws InterruptedException {
        process.destroyForcibly();
        if (!process.waitFor(timeout.toNanos(), TimeUnit.NANOSECONDS)) {
            throw new AssertionError("child " + name + " still runs " + timeout + " after SIGKILL");
        }
        return process.exitValue();
    }

    /** Everything the child printed so far. */
    String transcript() {
        return String.join("\n", transcript);
    }

    private String exitDescription() {
        return process.isAlive() ? "still running" : "exit value " + process.exitValue();
    }

    /** Kills the child if it still runs and waits (at most 10 s each) for it and its reader to end. */
    @Override
    public void close() {
        try {
            if (process.isAlive()) {
                process.destroyForcibly();
                process.waitFor(10, TimeUnit.SECONDS);
            }
            reader.join(TimeUnit.SECONDS.toMillis(10));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public String toString() {
        return "ChildJvm[" + name + ", pid " + process.pid() + ", " + exitDescription() + "]";
    }
}
