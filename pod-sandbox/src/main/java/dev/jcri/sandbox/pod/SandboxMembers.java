package dev.jcri.sandbox.pod;

import java.io.IOException;

/** What lives inside a sandbox and must go before it: its containers. */
public interface SandboxMembers {
    /**
     * Starts the infra container that holds the PID namespace of a pod sharing one; returns the path of that
     * namespace ({@code /proc/<pid>/ns/pid}) for the sandbox to pin.
     */
    String startInfra(SandboxRecord sandbox) throws IOException, InterruptedException;

    /** Kills every container of the sandbox that still runs, but its infra container. */
    void stopContainers(String sandboxId) throws IOException, InterruptedException;

    /**
     * Kills the sandbox's infra container, if it has one, once its other containers are stopped: its end kills
     * every process of the shared PID namespace, so theirs must have had their own stop signal first.
     */
    void stopInfra(String sandboxId) throws IOException, InterruptedException;

    /** Removes every container of the sandbox but its infra container (stopping those that run). */
    void removeContainers(String sandboxId) throws IOException, InterruptedException;

    /** Removes the sandbox's infra container, if it has one, once its other containers are removed. */
    void removeInfra(String sandboxId) throws IOException, InterruptedException;

    /** Removes every container of the sandbox, the infra container last. */
    default void removeAll(String sandboxId) throws IOException, InterruptedException {
        removeContainers(sandboxId);
        removeInfra(sandboxId);
    }
}
