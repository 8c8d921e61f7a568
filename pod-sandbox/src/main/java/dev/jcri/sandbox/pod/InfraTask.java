package dev.jcri.sandbox.pod;

import java.io.IOException;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;

/**
 * Work on a pod's infra container that runs on a virtual thread beside a step of the pod's own (its create and
 * start beside CNI ADD, its stop beside CNI DEL). The pod's thread always waits for it to end, even when
 * interrupted or failing itself, so an undo never races the infra container's create.
 */
final class InfraTask<T> {
    @FunctionalInterface
    interface Work<T> {
        T run() throws IOException, InterruptedException;
    }

    /** A step with no result, on either side. */
    @FunctionalInterface
    interface Step {
        void run() throws IOException, InterruptedException;
    }

    private final FutureTask<T> task;

    private InfraTask(FutureTask<T> task) {
        this.task = task;
    }

    static <T> InfraTask<T> start(String name, Work<T> work) {
        FutureTask<T> task = new FutureTask<>((Callable<T>) work::run);
        Thread.ofVirtual().name(name).start(task);
        return new InfraTask<>(task);
    }

    /**
     * Runs the pod's {@code step} on this thread with the infra container's {@code work} beside it when
     * {@code wanted}; returns once both have ended. A failure of the step comes first, the work's rides along.
     */
    static void beside(boolean wanted, String name, Step work, Step step) throws IOException, InterruptedException {
        InfraTask<Void> infra = wanted
                ? start(name, () -> {
                    work.run();
                    return null;
                })
                : null;
        try {
            step.run();
        } catch (IOException | InterruptedException | RuntimeException e) {
            if (infra != null) {
                infra.awaitAfter(e);
            }
            throw e;
        }
        if (infra != null) {
            infra.await();
        }
    }

    /** The work's result once it has ended; its failure as it threw it. */
    T await() throws IOException, InterruptedException {
        boolean interrupted = false;
        try {
            while (true) {
                try {
                    return task.get();
                } catch (InterruptedException e) {
                    interrupted = true;
                } catch (ExecutionException e) {
                    switch (e.getCause()) {
                        case IOException io -> throw io;
                        case InterruptedException ie -> throw ie;
                        case RuntimeException re -> throw re;
                        case Error error -> throw error;
                        default -> throw new IOException("infra container: " + e.getCause(), e.getCause());
                    }
                }
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** Waits for the work after {@code failure} of the step beside it; the work's own failure rides along. */
    void awaitAfter(Exception failure) {
        try {
            await();
        } catch (IOException | InterruptedException | RuntimeException e) {
            if (e != failure) {
                failure.addSuppressed(e);
            }
        }
    }
}
