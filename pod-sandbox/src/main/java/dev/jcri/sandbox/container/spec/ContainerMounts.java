package dev.jcri.sandbox.container.spec;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The mounts of a container's config.json, in mount order: the kernel filesystems, the pod's /dev/shm and DNS,
 * hosts and hostname files, then the CRI mounts, parents before children. A CRI mount replaces any default at
 * or below its destination (kubelet passes its own /etc/hosts; a CRI /dev takes /dev/pts and the rest with it).
 *
 * @param rootfsPropagation {@code rshared}/{@code rslave} when a CRI mount needs propagation, else empty
 */
record ContainerMounts(List<Mount> mounts, String rootfsPropagation) {

    /** One entry of {@code mounts}. */
    record Mount(String destination, String type, String source, List<String> options) {
        Mount {
            options = List.copyOf(options);
        }
    }

    ContainerMounts {
        mounts = List.copyOf(mounts);
    }

    static ContainerMounts of(List<MountSpec> requested, ContainerSpec.Security security, SandboxContext sandbox) {
        List<Mount> cri = new ArrayList<>();
        Set<String> destinations = new HashSet<>();
        String rootfsPropagation = "";
        for (int i = 0; i < requested.size(); i++) {
            MountSpec spec = requested.get(i);
            String field = "mounts[" + i + "]";
            String destination = ContainerPath.clean(spec.containerPath(), field + ".container_path");
            if (destination.equals("/")) {
                throw new IllegalArgumentException(field + ".container_path: cannot mount over the rootfs");
            }
            if (!destinations.add(destination)) {
                throw new IllegalArgumentException(field + ".container_path: \"" + destination + "\" is mounted twice");
            }
            if (!spec.hostPath().startsWith("/") || spec.hostPath().indexOf('\0') >= 0) {
                throw new IllegalArgumentException(
                        field + ".host_path: \"" + spec.hostPath() + "\" is not an absolute path");
            }
            if (spec.image() != null) {
                // An image volume: read-only whatever the request says, and nothing in it runs or escalates.
                cri.add(new Mount(
                        destination,
                        "bind",
                        spec.hostPath(),
                        List.of("rbind", "rprivate", "ro", "nosuid", "nodev", "noexec")));
                continue;
            }
            List<String> options = new ArrayList<>();
            options.add("rbind");
            switch (spec.propagation()) {
                case PRIVATE -> options.add("rprivate");
                case HOST_TO_CONTAINER -> {
                    options.add("rslave");
                    if (rootfsPropagation.isEmpty()) {
                        rootfsPropagation = "rslave";
                    }
                }
                case BIDIRECTIONAL -> {
                    // Mounts made in the container would reach the host: only for privileged containers.
                    if (!security.privileged()) {
                        throw new IllegalArgumentException(field + ": bidirectional propagation of \"" + destination
                                + "\" needs a privileged container");
                    }
                    options.add("rshared");
                    rootfsPropagation = "rshared";
                }
            }
            if (spec.recursiveReadOnly()) {
                if (!spec.readonly()) {
                    throw new IllegalArgumentException(field + ": recursive_read_only needs readonly");
                }
                // With propagation, a submount arriving later would be writable: the promise could not be kept.
                if (spec.propagation() != MountSpec.Propagation.PRIVATE) {
                    throw new IllegalArgumentException(field + ": recursive_read_only needs private propagation");
                }
                options.add("rro");
            } else {
                options.add(spec.readonly() ? "ro" : "rw");
            }
            cri.add(new Mount(destination, "bind", spec.hostPath(), options));
        }
        // Parents first, so that /data/logs is not hidden by a later /data; stable for equal depths.
        cri.sort(Comparator.comparingInt(m -> depth(m.destination())));

        List<Mount> all = new ArrayList<>();
        for (Mount mount : defaults(security, sandbox)) {
            boolean replaced = destinations.stream().anyMatch(d -> ContainerPath.isAtOrBelow(mount.destination(), d));
            if (!replaced) {
                all.add(mount);
            }
        }
        all.addAll(cri);
        return new ContainerMounts(all, rootfsPropagation);
    }

    private static List<Mount> defaults(ContainerSpec.Security security, SandboxContext sandbox) {
        String sysMode = security.privileged() ? "rw" : "ro";
        List<Mount> mounts = new ArrayList<>();
        mounts.add(new Mount("/proc", "proc", "proc", List.of("nosuid", "noexec", "nodev")));
        mounts.add(new Mount("/dev", "tmpfs", "tmpfs", List.of("nosuid", "strictatime", "mode=755", "size=65536k")));
        mounts.add(new Mount(
                "/dev/pts",
                "devpts",
                "devpts",
                List.of("nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5")));
        mounts.add(new Mount("/dev/mqueue", "mqueue", "mqueue", List.of("nosuid", "noexec", "nodev")));
        mounts.add(new Mount("/sys", "sysfs", "sysfs", List.of("nosuid", "noexec", "nodev", sysMode)));
        mounts.add(new Mount(
                "/sys/fs/cgroup", "cgroup", "cgroup", List.of("nosuid", "noexec", "nodev", "relatime", sysMode)));
        if (!sandbox.shmPath().isEmpty()) {
            mounts.add(new Mount(
                    "/dev/shm",
                    "bind",
                    sandbox.shmPath(),
                    List.of("rbind", "rprivate", "nosuid", "nodev", "noexec", "rw")));
        } else if (sandbox.ipcnsPath().isEmpty()) {
            // Host IPC: POSIX shared memory must be the host's too, or processes would not find each other's.
            mounts.add(new Mount("/dev/shm", "bind", "/dev/shm", List.of("rbind", "rprivate", "rw")));
        } else {
            // A private IPC namespace without a pod tmpfs: the container's own, sized as kubelet's default.
            mounts.add(new Mount(
                    "/dev/shm", "tmpfs", "shm", List.of("nosuid", "noexec", "nodev", "mode=1777", "size=65536k")));
        }
        // Like containerd: the pod's files follow the rootfs' writability.
        String filesMode = security.readonlyRootfs() ? "ro" : "rw";
        addFile(mounts, "/etc/resolv.conf", sandbox.resolvConfPath(), filesMode);
        addFile(mounts, "/etc/hosts", sandbox.hostsPath(), filesMode);
        addFile(mounts, "/etc/hostname", sandbox.hostnamePath(), filesMode);
        return mounts;
    }

    private static void addFile(List<Mount> mounts, String destination, String source, String mode) {
        if (!source.isEmpty()) {
            mounts.add(new Mount(destination, "bind", source, List.of("rbind", "rprivate", mode)));
        }
    }

    private static int depth(String path) {
        return (int) path.chars().filter(c -> c == '/').count();
    }
}
