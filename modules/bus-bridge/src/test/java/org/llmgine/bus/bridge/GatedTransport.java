package org.llmgine.bus.bridge;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.locks.ReentrantLock;
import org.llmgine.bus.bridge.spi.InboundSink;
import org.llmgine.bus.bridge.spi.Subscription;
import org.llmgine.bus.bridge.spi.Transport;
import org.llmgine.bus.bridge.spi.TransportRecord;

/** A transport whose sends are held (their futures not completed) until the test opens it. */
final class GatedTransport implements Transport {

    private final Transport inner;
    private final ReentrantLock lock = new ReentrantLock();
    private final List<Runnable> held = new ArrayList<>();
    private boolean open;

    GatedTransport(Transport inner) {
        this.inner = inner;
    }

    void open() {
        List<Runnable> release;
        lock.lock();
        try {
            open = true;
            release = List.copyOf(held);
            held.clear();
        } finally {
            lock.unlock();
        }
        release.forEach(Runnable::run);
    }

    @Override
    public CompletableFuture<Void> send(TransportRecord record) {
        lock.lock();
        try {
            if (!open) {
                var future = new CompletableFuture<Void>();
                held.add(() -> inner.send(record).whenComplete((v, e) -> {
                    if (e != null) {
                        future.completeExceptionally(e);
                    } else {
                        future.complete(null);
                    }
                }));
                return future;
            }
        } finally {
            lock.unlock();
        }
        return inner.send(record);
    }

    @Override
    public Subscription subscribe(Set<String> topics, String group, InboundSink sink) {
        return inner.subscribe(topics, group, sink);
    }

    @Override
    public String describe() {
        return "gated " + inner.describe();
    }

    @Override
    public void close() {
        inner.close();
    }
}
