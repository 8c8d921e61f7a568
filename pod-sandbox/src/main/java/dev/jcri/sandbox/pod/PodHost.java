package dev.jcri.sandbox.pod;

import dev.jcri.sandbox.ns.PinnedNamespaces;
import dev.jcri.sandbox.ns.ProcSysWrite;
import dev.jcri.sandbox.ns.UserMappings;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * What a pod's steps do to the node besides its network: the /dev/shm mount and the namespace pins. {@link #node()}
 * does it; the tests of the steps use a fake that records the calls.
 */
public interface PodHost {
    void mountShm(Path shm) throws IOException;

    /** Idempotent. */
    void unmountShm(Path shm) throws IOException;

    /** See {@link PinnedNamespaces#create}; on failure nothing of it remains. */
    void pinNamespaces(
            Path nsRoot,
            String sandboxId,
            List<PinnedNamespaces.Kind> kinds,
            String hostname,
            List<ProcSysWrite> sysctls,
            UserMappings users)
            throws IOException, InterruptedException;

    /** Pins a namespace a process has (the infra container's PID namespace) at {@code pin}. */
    Path pinExisting(Path pin, Path source) throws IOException;

    /** Idempotent: missing pins are fine. */
    void releasePins(List<Path> pins) throws IOException;

    static PodHost node() {
        return new PodHost() {
            @Override
            public void mountShm(Path shm) throws IOException {
                SandboxShm.mount(shm);
            }

            @Override
            public void unmountShm(Path shm) throws IOException {
                SandboxShm.unmount(shm);
            }

            @Override
            public void pinNamespaces(
                    Path nsRoot,
                    String sandboxId,
                    List<PinnedNamespaces.Kind> kinds,
                    String hostname,
                    List<ProcSysWrite> sysctls,
                    UserMappings users)
                    throws IOException, InterruptedException {
                PinnedNamespaces.create(nsRoot, sandboxId, kinds, hostname, sysctls, users);
            }

            @Override
            public Path pinExisting(Path pin, Path source) throws IOException {
                return PinnedNamespaces.pinExisting(pin, source);
            }

            @Override
            public void releasePins(List<Path> pins) throws IOException {
                PinnedNamespaces.release(pins);
            }
        };
    }
}
