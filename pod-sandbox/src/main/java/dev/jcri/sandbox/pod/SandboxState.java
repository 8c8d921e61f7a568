package dev.jcri.sandbox.pod;

/**
 * A sandbox's life: CREATING is written before any resource is made, so that a crash mid-way leaves a record
 * telling the next start what to clean up; READY and NOTREADY are the CRI states.
 */
public enum SandboxState {
    CREATING,
    READY,
    NOTREADY
}
