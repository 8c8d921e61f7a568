package dev.jcri.sandbox.container;

import dev.jcri.sandbox.StateLayout;
import java.io.IOException;

/**
 * The process that watches one container (conmon): it has the runtime create the container, stays its parent,
 * writes its exit file, and takes terminal resizes and log reopens on a control FIFO. {@link Conmon} is the real
 * one; the operation tests use fakes.
 */
public interface ContainerMonitor {
    /** Starts the monitor, which creates the container; returns the container's PID. */
    int create(Conmon.Launch launch) throws IOException, InterruptedException;

    /** Whether the container's monitor still runs (a reused PID is no match). */
    boolean alive(StateLayout.ContainerPaths container);

    /**
     * Waits for the monitor to end once its container is gone, so that its exit file is written before a removal
     * deletes it; one that stays (a create cut short, no container to wait for) is killed.
     */
    void awaitExit(StateLayout.ContainerPaths container) throws InterruptedException;

    /** Removes the monitor's own cgroup or scope (under the pod's parent) once it is gone; never fails. */
    void release(String cgroupParent, String containerId);

    /** Whether the container's cgroup reported an OOM kill. */
    boolean oomKilled(StateLayout.ContainerPaths container);

    void resizeTerminal(StateLayout.ContainerPaths container, int rows, int columns) throws IOException;

    /** Asks the monitor to reopen the container's log file (after kubelet rotated it). */
    void reopenLog(StateLayout.ContainerPaths container) throws IOException;
}
