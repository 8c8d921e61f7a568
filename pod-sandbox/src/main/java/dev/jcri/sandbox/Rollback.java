package dev.jcri.sandbox;

import java.util.ArrayDeque;
import java.util.Deque;

/**
 * The undo steps of an operation that builds something in several steps (a sandbox, a container): each step
 * that made something pushes how to unmake it; on failure they run in reverse, and their own failures ride along
 * on the original exception instead of hiding it.
 */
public final class Rollback {
    /** Unmakes one thing. */
    @FunctionalInterface
    public interface Step {
        void undo() throws Exception;
    }

    private final Deque<Step> steps = new ArrayDeque<>();

    public void push(Step step) {
        steps.push(step);
    }

    /** The operation succeeded: nothing is to be undone. */
    public void commit() {
        steps.clear();
    }

    /** Undoes every step, newest first, recording their failures on {@code cause}. */
    public void undo(Exception cause) {
        while (!steps.isEmpty()) {
            try {
                steps.pop().undo();
            } catch (Exception e) {
                cause.addSuppressed(e);
            }
        }
    }
}
