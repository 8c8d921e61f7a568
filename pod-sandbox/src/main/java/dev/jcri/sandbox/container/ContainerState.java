package dev.jcri.sandbox.container;

/**
 * CREATING is written before any resource exists, so a crash mid-create is undone at the next start; the others
 * are the CRI's states.
 */
public enum ContainerState {
    CREATING,
    CREATED,
    RUNNING,
    EXITED
}
