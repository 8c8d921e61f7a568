package dev.jcri.sandbox.container;

import dev.jcri.sandbox.container.spec.ContainerSpec;
import dev.jcri.sandbox.container.spec.MountSpec;
import java.io.IOException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The host side of a container's bind mounts: sources checked before anything is made (absolute, outside jcri's
 * own state), then prepared as kubelet expects (missing dirs made, symlinks resolved, propagation possible). The
 * directories made are listed, so that a failed create removes them again.
 */
final class HostPathPreparation {
    private final List<Path> protectedDirs;

    /** @param protectedDirs host paths no container may bind: jcri's own state */
    HostPathPreparation(List<Path> protectedDirs) {
        this.protectedDirs = List.copyOf(protectedDirs);
    }

    /** Bind sources must be absolute and outside jcri's own state; checked before anything is made. */
    void requireUnprotected(ContainerSpec spec) {
        for (int i = 0; i < spec.mounts().size(); i++) {
            MountSpec mount = spec.mounts().get(i);
            if (mount.image() != null) {
                continue;
            }
            String hostPath = mount.hostPath();
            if (hostPath.isEmpty() || !hostPath.startsWith("/") || hostPath.indexOf('\0') >= 0) {
                throw new IllegalArgumentException("mounts[" + i + "].host_path: an absolute path is required, got \""
                        + mount.hostPath().replace("\0", "\\0") + "\"");
            }
            Path host = Path.of(mount.hostPath()).normalize();
            // Only paths inside: node agents legitimately mount / or /var/lib, which hold jcri's dirs.
            for (Path guarded : protectedDirs) {
                if (host.startsWith(guarded)) {
                    throw new IllegalArgumentException("mounts[" + i + "].host_path: " + host
                            + " is inside jcri's own state directory " + guarded + ", which no container may mount");
                }
            }
        }
    }

    /**
     * Bind sources as kubelet expects them: a symlink is resolved to what it points to (a bind mount of a path
     * through a link would otherwise follow it at mount time, inside the runtime), and a missing path is created
     * as a directory; the directories made are added to {@code madeDirs}, parents first.
     */
    ContainerSpec prepare(ContainerSpec spec, List<Path> madeDirs) throws IOException {
        List<MountSpec> mounts = new ArrayList<>();
        for (int i = 0; i < spec.mounts().size(); i++) {
            MountSpec mount = spec.mounts().get(i);
            if (mount.image() != null) {
                mounts.add(mount);
                continue;
            }
            Path host = Path.of(mount.hostPath()).normalize();
            makeDirs(host, madeDirs);
            String real;
            try {
                real = host.toRealPath().toString();
            } catch (NoSuchFileException e) {
                throw new IllegalArgumentException(
                        "mounts[" + i + "].host_path: " + host + " is a symbolic link to nothing");
            }
            // recursive_read_only with propagation is a malformed request, refused as such by the spec builder.
            if (!mount.recursiveReadOnly()) {
                requirePropagation(mount.propagation(), Path.of(real), "mounts[" + i + "]");
            }
            mounts.add(mount.withHostPath(real));
        }
        return spec.withMounts(mounts);
    }

    /** Creates {@code dir} with its missing parents, adding each one made to {@code madeDirs}, parents first. */
    static void makeDirs(Path dir, List<Path> madeDirs) throws IOException {
        List<Path> missing = new ArrayList<>();
        for (Path p = dir; p != null && !Files.exists(p, LinkOption.NOFOLLOW_LINKS); p = p.getParent()) {
            missing.addFirst(p);
        }
        if (!missing.isEmpty()) {
            Files.createDirectories(dir);
            madeDirs.addAll(missing);
        }
    }

    /** Undoes {@link #makeDirs}: the directories made, deepest first, as long as they are empty. */
    static void removeMadeDirs(List<Path> madeDirs) throws IOException {
        for (Path dir : madeDirs.reversed()) {
            try {
                Files.deleteIfExists(dir);
            } catch (DirectoryNotEmptyException e) {
                // Something else put a file there meanwhile; it is not ours to remove.
            }
        }
    }

    /** HOST_TO_CONTAINER needs a shared or slave host mount, BIDIRECTIONAL a shared one, or nothing propagates. */
    private static void requirePropagation(MountSpec.Propagation propagation, Path host, String field)
            throws IOException {
        if (propagation == MountSpec.Propagation.PRIVATE) {
            return;
        }
        HostMountPropagation mount = HostMountPropagation.of(host);
        boolean ok =
                propagation == MountSpec.Propagation.BIDIRECTIONAL ? mount.shared() : mount.shared() || mount.slave();
        if (!ok) {
            throw new IllegalStateException(field + ": " + host + " is on the host mount " + mount.mountPoint()
                    + ", which is not "
                    + (propagation == MountSpec.Propagation.BIDIRECTIONAL ? "shared" : "shared or slave") + ", so "
                    + propagation + " propagation could not work; make it"
                    + " shared (mount --make-rshared " + mount.mountPoint() + ")");
        }
    }
}
