package dev.jcri.linux;

import java.util.List;

/** A process and everything it started, for ending a hung runtime or conmon without leaving its children. */
public final class ProcessTree {
    private ProcessTree() {}

    /** SIGKILL to the descendants first (so none is reparented away from the walk), then to {@code root}. */
    public static void kill(ProcessHandle root) {
        List<ProcessHandle> descendants = root.descendants().toList();
        descendants.forEach(ProcessHandle::destroyForcibly);
        root.destroyForcibly();
    }
}
