package dev.jcri.sandbox.container;

import dev.jcri.linux.ErrnoException;
import dev.jcri.linux.IdmappedMount;
import dev.jcri.linux.Mount;
import dev.jcri.linux.OpenFiles;
import dev.jcri.sandbox.container.spec.ContainerSpec;
import dev.jcri.sandbox.container.spec.MountSpec;
import dev.jcri.sandbox.container.spec.SandboxContext;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The volumes of a pod with its own users, shown through idmapped mounts of the pod's user namespace: kubelet
 * writes volume files as host root and sets the pod's mappings on each CRI mount, so that the pod's root sees them
 * as its own. jcri stages each idmapped mount under the bundle and the runtime bind-mounts the staged one; once the
 * container exists (after the runtime's create, at StartContainer) its mount namespace holds its own copies, so the
 * staged mounts are detached then and nothing stays mounted on the host for them.
 */
final class IdmappedVolumes {
    private static final Logger log = LoggerFactory.getLogger(IdmappedVolumes.class);

    private IdmappedVolumes() {}

    /**
     * Stages the idmapped mounts {@code spec} asks for under {@code stagingDir} and returns the spec with their
     * host paths pointing there; every staged path goes into {@code staged} as soon as it exists, for
     * {@link #release}.
     */
    static ContainerSpec stage(ContainerSpec spec, SandboxContext sandbox, Path stagingDir, List<Path> staged)
            throws IOException {
        // Image volumes are idmapped layer by layer where they are staged (ImageVolumes).
        if (spec.mounts().stream().allMatch(m -> m.idmap() == null || m.image() != null)) {
            return spec;
        }
        List<MountSpec> mounts = new ArrayList<>();
        int userns = -1;
        try {
            for (int i = 0; i < spec.mounts().size(); i++) {
                MountSpec mount = spec.mounts().get(i);
                if (mount.idmap() == null || mount.image() != null) {
                    mounts.add(mount);
                    continue;
                }
                String field = "mounts[" + i + "].uid_mappings";
                if (sandbox.users() == null) {
                    throw new IllegalArgumentException(field + ": an idmapped mount needs a pod with its own user"
                            + " namespace (userns_options mode POD)");
                }
                if (!mount.idmap().equals(sandbox.users())) {
                    throw new IllegalArgumentException(field + ": must be the pod's user namespace mappings");
                }
                if (userns < 0) {
                    userns = OpenFiles.openReadOnly(sandbox.usernsPath());
                }
                Path host = Path.of(mount.hostPath());
                Path target = stagingDir.resolve(Integer.toString(i));
                Files.createDirectories(stagingDir);
                if (Files.isDirectory(host)) {
                    Files.createDirectories(target);
                } else {
                    Files.createFile(target);
                }
                staged.add(target);
                try {
                    IdmappedMount.attach(host.toString(), userns, target.toString(), false, true);
                } catch (ErrnoException e) {
                    throw new IllegalStateException(
                            "mounts[" + i + "]: " + host + " cannot be idmapped (its filesystem lacks support?): "
                                    + e.getMessage(),
                            e);
                }
                mounts.add(new MountSpec(
                        mount.containerPath(),
                        target.toString(),
                        mount.readonly(),
                        mount.propagation(),
                        mount.recursiveReadOnly(),
                        mount.idmap()));
            }
        } finally {
            if (userns >= 0) {
                OpenFiles.close(userns);
            }
        }
        return spec.withMounts(mounts);
    }

    /**
     * Once the runtime created the container: detaches and deletes what {@link #stage} left under {@code
     * stagingDir} (at CreateContainer, for the launch at StartContainer).
     */
    static void releaseStaged(Path stagingDir) throws IOException {
        if (!Files.isDirectory(stagingDir)) {
            return;
        }
        List<Path> staged;
        try (var entries = Files.list(stagingDir)) {
            staged = new ArrayList<>(entries.toList());
        }
        release(staged);
    }

    /** Detaches and deletes the staged mounts; a failure is logged, the container keeps its own copies. */
    static void release(List<Path> staged) {
        for (Path target : staged) {
            try {
                Mount.detach(target.toString());
            } catch (ErrnoException e) {
                log.warn("staged idmapped mount not detached path={} error=\"{}\"", target, e.getMessage());
                continue;
            }
            try {
                Files.deleteIfExists(target);
            } catch (IOException e) {
                log.warn("staged idmapped mount point not deleted path={} error=\"{}\"", target, e.getMessage());
            }
        }
        staged.clear();
    }
}
