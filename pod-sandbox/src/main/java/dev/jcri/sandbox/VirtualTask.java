package dev.jcri.sandbox;

import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Work started on a virtual thread of its own, whose result or failure its starter takes as if it had run the work
 * itself: an IOException, InterruptedException or unchecked exception comes out as the work threw it.
 */
public final class VirtualTask<T> {
    @FunctionalInterface
    public interface Work<T> {
        T run() throws IOException, InterruptedException;
    }

    private final FutureTask<T> task;
    private final String name;

    private VirtualTask(FutureTask<T> task, String name) {
        this.task = task;
        this.name = name;
    }

    /** Starts {@code work} on a virtual thread named {@code name}, which also names it in a wrapped failure. */
    public static <T> VirtualTask<T> start(String name, Work<T> work) {
        FutureTask<T> task = new FutureTask<>((Callable<T>) work::run);
        Thread.ofVirtual().name(name).start(task);
        return new VirtualTask<>(task, name);
    }

    /**
     * The work's result once it has ended, waiting through interrupts (the interrupt is kept for the caller): for
     * work that must not be left running behind its starter.
     */
    public T await() throws IOException, InterruptedException {
        boolean interrupted = false;
        try {
            while (true) {
                try {
                    return task.get();
                } catch (InterruptedException e) {
                    interrupted = true;
                } catch (ExecutionException e) {
                    throw rethrown(e);
                }
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** The work's result if it ends within {@code limit}; the work goes on after a timeout or an interrupt. */
    public T await(Duration limit) throws IOException, InterruptedException, TimeoutException {
        try {
            return task.get(limit.toNanos(), TimeUnit.NANOSECONDS);
        } catch (ExecutionException e) {
            throw rethrown(e);
        }
    }

    private IOException rethrown(ExecutionException e) throws InterruptedException {
        switch (e.getCause()) {
            case IOException io -> {
                return io;
            }
            case InterruptedException ie -> throw ie;
            case RuntimeException re -> throw re;
            case Error error -> throw error;
            default -> {
                return new IOException(name + ": " + e.getCause(), e.getCause());
            }
        }
    }
}
