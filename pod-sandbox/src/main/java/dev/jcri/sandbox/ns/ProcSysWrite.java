package dev.jcri.sandbox.ns;

import java.nio.file.Path;

/** One value for a file under /proc/sys, written from inside a pod's namespaces. */
public record ProcSysWrite(Path path, String value) {
    public ProcSysWrite {
        if (!path.normalize().startsWith(Path.of("/proc/sys/"))) {
            throw new IllegalArgumentException("not a /proc/sys path: " + path);
        }
    }
}
