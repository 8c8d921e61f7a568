package dev.jcri.sandbox.pod;

import dev.jcri.linux.Mount;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** A pod's own /dev/shm: a tmpfs its containers bind, sized as kubelet and Docker size it. */
final class SandboxShm {
    /** The size kubelet and Docker give /dev/shm when the pod asks nothing. */
    static final long SHM_BYTES = 64L << 20;

    private SandboxShm() {}

    static void mount(Path shm) throws IOException {
        Files.createDirectories(shm);
        Mount.mount(
                "shm",
                shm.toString(),
                "tmpfs",
                Mount.MS_NOSUID | Mount.MS_NODEV | Mount.MS_NOEXEC,
                "mode=1777,size=" + SHM_BYTES);
    }

    /** Idempotent; the sandbox's shm dir goes with its last entry. */
    static void unmount(Path shm) throws IOException {
        Mount.detach(shm.toString());
        Files.deleteIfExists(shm);
        Path parent = shm.getParent();
        if (Files.isDirectory(parent)) {
            try (var rest = Files.list(parent)) {
                if (rest.findAny().isEmpty()) {
                    Files.delete(parent);
                }
            }
        }
    }
}
