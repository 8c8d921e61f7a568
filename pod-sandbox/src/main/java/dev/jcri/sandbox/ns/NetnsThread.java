package dev.jcri.sandbox.ns;

import dev.jcri.linux.Namespaces;
import dev.jcri.linux.OpenFiles;
import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Runs a short task inside a pod's network namespace: a throwaway platform thread joins it (setns acts on the
 * calling thread only), runs the task and ends, so no other code ever runs in the pod's namespace by accident.
 * Sockets created there stay in it for their whole life; /proc/thread-self/net shows it.
 */
public final class NetnsThread {
    private NetnsThread() {}

    public static <T> T call(Path netns, Callable<T> task) throws IOException, InterruptedException {
        AtomicReference<T> result = new AtomicReference<>();
        AtomicReference<Exception> failure = new AtomicReference<>();
        Thread worker = Thread.ofPlatform().name("netns-task").start(() -> {
            try {
                int fd = OpenFiles.openReadOnly(netns.toString());
                try {
                    Namespaces.setns(fd, Namespaces.CLONE_NEWNET);
                } finally {
                    OpenFiles.close(fd);
                }
                result.set(task.call());
            } catch (Exception e) {
                failure.set(e);
            }
        });
        worker.join();
        return switch (failure.get()) {
            case null -> result.get();
            case IOException e -> throw new IOException("in network namespace " + netns + ": " + e.getMessage(), e);
            case RuntimeException e -> throw e;
            case Exception e -> throw new IOException("in network namespace " + netns + ": " + e, e);
        };
    }
}
