package dev.jcri.sandbox.pod;

import dev.jcri.sandbox.VirtualTask;
import java.io.IOException;

/**
 * Work on a pod's infra container that runs on a virtual thread beside a step of the pod's own (its create and
 * start beside CNI ADD, its stop beside CNI DEL). The pod's thread always waits for it to end, even when
 * interrupted or failing itself, so an undo never races the infra container's create.
 */
final class InfraTask<T> {
    /** A step with no result, on either side. */
    @FunctionalInterface
    interface Step {
        void run() throws IOException, InterruptedException;
    }

    private final VirtualTask<T> task;

    private InfraTask(VirtualTask<T> task) {
        this.task = task;
    }

    static <T> InfraTask<T> start(String name, VirtualTask.Work<T> work) {
        return new InfraTask<>(VirtualTask.start(name, work));
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
        return task.await();
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
