package dev.jcri.sandbox;

import java.nio.file.Path;
import java.util.List;

/**
 * Every path jcri keeps per sandbox and per container, in one place: create, remove, recovery and the orphan sweep
 * all ask here, so what the sweep recognises is exactly what the create made.
 *
 * <pre>
 * root/sandboxes/ID/{sandbox.json, resolv.conf, hosts, hostname}   pod record and the files its containers bind
 * root/containers/ID/{container.json, upper/, work/}                container record and its writable layer
 * runroot/containers/ID/                                            bundle: config.json, rootfs/, conmon's files,
 *                                                                   image-volumes/ (image volume overlays)
 * runroot/exits/ID, runroot/attach/ID                               conmon's exit file and attach-socket link
 * runroot/ns/KIND/ID                                                namespace pins (net, ipc, uts, pid, user)
 * runroot/sandboxes/ID/shm                                          the pod's /dev/shm tmpfs
 * </pre>
 *
 * The runroot is emptied by a reboot; the root survives it.
 */
public final class StateLayout {
    /** The namespace kinds a pod may pin, as the pin directories are named. */
    public static final List<String> NAMESPACE_KINDS = List.of("net", "ipc", "uts", "pid", "user");

    /** The record file in each sandbox's and each container's record dir. */
    public static final String SANDBOX_RECORD = "sandbox.json";

    public static final String CONTAINER_RECORD = "container.json";

    private final Path root;
    private final Path runroot;
    private final Path hostResolvConf;
    private final Path hostHosts;

    /**
     * @param hostResolvConf the node's resolv.conf, copied for pods that ask for no DNS settings
     * @param hostHosts the node's hosts file, copied for host-network pods
     */
    public StateLayout(Path root, Path runroot, Path hostResolvConf, Path hostHosts) {
        this.root = root;
        this.runroot = runroot;
        this.hostResolvConf = hostResolvConf;
        this.hostHosts = hostHosts;
    }

    /** The layout of a node: its own /etc/resolv.conf and /etc/hosts. */
    public static StateLayout of(Path root, Path runroot) {
        return new StateLayout(root, runroot, Path.of("/etc/resolv.conf"), Path.of("/etc/hosts"));
    }

    /** Host paths no container may bind: jcri's own state (the socket, other containers' layers and records). */
    public List<Path> protectedDirs() {
        return List.of(root, runroot);
    }

    public Path hostResolvConf() {
        return hostResolvConf;
    }

    public Path hostHosts() {
        return hostHosts;
    }

    public Path sandboxRecords() {
        return root.resolve("sandboxes");
    }

    public Path containerRecords() {
        return root.resolve("containers");
    }

    public Path bundles() {
        return runroot.resolve("containers");
    }

    public Path exits() {
        return runroot.resolve("exits");
    }

    /** conmon's links to the bundles, which keep the attach sockets' paths short. */
    public Path attachLinks() {
        return runroot.resolve("attach");
    }

    public Path namespacePins() {
        return runroot.resolve("ns");
    }

    /** One directory per pinned namespace kind: {@code <ns>/<kind>}. */
    public Path pinsOf(String kind) {
        return namespacePins().resolve(kind);
    }

    public Path shmDirs() {
        return runroot.resolve("sandboxes");
    }

    public SandboxPaths sandbox(String id) {
        return new SandboxPaths(this, id);
    }

    public ContainerPaths container(String id) {
        return new ContainerPaths(this, id);
    }

    /** One sandbox's paths. */
    public record SandboxPaths(StateLayout layout, String id) {
        public Path recordDir() {
            return layout.sandboxRecords().resolve(id);
        }

        public Path record() {
            return recordDir().resolve(SANDBOX_RECORD);
        }

        public Path resolvConf() {
            return recordDir().resolve("resolv.conf");
        }

        public Path hosts() {
            return recordDir().resolve("hosts");
        }

        public Path hostname() {
            return recordDir().resolve("hostname");
        }

        /** The parent of the shm mount, removed with it. */
        public Path shmDir() {
            return layout.shmDirs().resolve(id);
        }

        public Path shm() {
            return shmDir().resolve("shm");
        }

        /** {@code <ns>/<kind>/<id>}, named before it exists so that a crash after pinning finds it in the record. */
        public Path pin(String kind) {
            return layout.pinsOf(kind).resolve(id);
        }
    }

    /** One container's paths. */
    public record ContainerPaths(StateLayout layout, String id) {
        public Path recordDir() {
            return layout.containerRecords().resolve(id);
        }

        public Path record() {
            return recordDir().resolve(CONTAINER_RECORD);
        }

        /** The overlay upper dir: the writable layer, where everything the container writes lands. */
        public Path upper() {
            return recordDir().resolve("upper");
        }

        public Path work() {
            return recordDir().resolve("work");
        }

        /** A checkpoint's archive content while it is assembled (on disk, not in /run: it holds memory pages). */
        public Path checkpointStaging() {
            return recordDir().resolve("checkpoint");
        }

        /** A checkpoint archive unpacked for the restore that creates this container. */
        public Path restoreSource() {
            return recordDir().resolve("restore");
        }

        /** CRIU's work dir (its logs) during a checkpoint. */
        public Path checkpointWork() {
            return recordDir().resolve("checkpoint-work");
        }

        public Path bundle() {
            return layout.bundles().resolve(id);
        }

        public Path rootfs() {
            return bundle().resolve("rootfs");
        }

        /** The OCI runtime config; owner-only, as the env in it may hold secrets. */
        public Path ociConfig() {
            return bundle().resolve("config.json");
        }

        /** Idmapped mounts of the image layers, for a pod with its own user namespace. */
        public Path idmappedLayers() {
            return bundle().resolve("layers");
        }

        /** Idmapped volume mounts, staged here while the runtime creates the container. */
        public Path idmappedVolumes() {
            return bundle().resolve("volumes");
        }

        /**
         * Image volumes, one read-only overlay per image mount at {@code <mount index>}, for the container's
         * lifetime; deleting the bundle detaches them.
         */
        public Path imageVolumes() {
            return bundle().resolve("image-volumes");
        }

        /** The container's resources for {@code <runtime> update}, while one runs. */
        public Path resourceUpdate() {
            return bundle().resolve("resources.json");
        }

        /** Written by the runtime, through conmon: the container's PID. */
        public Path pidFile() {
            return bundle().resolve("pidfile");
        }

        public Path conmonPidFile() {
            return bundle().resolve("conmon.pid");
        }

        /** conmon creates it when the container's cgroup reported an OOM kill (its persist dir is the bundle). */
        public Path oomFile() {
            return bundle().resolve("oom");
        }

        /** conmon's control FIFO: terminal resizes and log reopens. */
        public Path controlFifo() {
            return bundle().resolve("ctl");
        }

        /** conmon's attach socket (a seqpacket socket). */
        public Path attachSocket() {
            return bundle().resolve("attach");
        }

        /** The FIFO conmon reports the created container's PID on. */
        public Path syncFifo() {
            return bundle().resolve("sync.fifo");
        }

        /** A directory with a short path for exec console sockets (sun_path holds 107 bytes). */
        public Path consoleSocketDir() {
            return layout.attachLinks();
        }

        /** conmon's link from the attach dir to the bundle. */
        public Path attachLink() {
            return layout.attachLinks().resolve(id);
        }

        /** conmon writes the container's exit code here. */
        public Path exitFile() {
            return layout.exits().resolve(id);
        }
    }
}
