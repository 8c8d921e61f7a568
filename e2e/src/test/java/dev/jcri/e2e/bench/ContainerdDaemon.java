package dev.jcri.e2e.bench;

import dev.jcri.cri.v1.ImageServiceGrpc;
import dev.jcri.cri.v1.ListPodSandboxRequest;
import dev.jcri.cri.v1.PodSandbox;
import dev.jcri.cri.v1.RemovePodSandboxRequest;
import dev.jcri.cri.v1.RuntimeServiceGrpc;
import dev.jcri.cri.v1.StopPodSandboxRequest;
import dev.jcri.cri.v1.VersionRequest;
import dev.jcri.e2e.CgroupHierarchies;
import dev.jcri.e2e.StateDirCleanup;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * Debian's containerd (1.6) as the benchmark's opponent: a child process with its own config, root, state, socket,
 * CNI conf dir (a bridge and /24 of its own) and registry hosts dir under a temp dir, so that it never meets a
 * system containerd nor reaches beyond loopback: the only registry it knows is the benchmark's, which also serves
 * its sandbox image. Runtime: crun through the runc v2 shim ({@code BinaryName}), cgroupfs, and the pods' cgroup
 * parent always given by the benchmark (an empty one would put containers relative to the shim's own cgroup).
 * {@link #close()} removes every pod, stops containerd, ends shims and container processes it left (by PID), and
 * removes mounts, netns pins, cgroups, the bridge and the temp dir, even when a step fails.
 */
final class ContainerdDaemon implements AutoCloseable {
    static final Path BINARY = Path.of("/usr/bin/containerd");
    private static final Path CNI_BIN = Path.of("/usr/lib/cni");

    private final Path dir;
    private final String cgroupRoot;
    private final String bridge;
    private final Path socket;
    private final Process process;
    private final ManagedChannel channel;
    private final long startToServingNanos;

    private ContainerdDaemon(
            Path dir, String cgroupRoot, String bridge, Process process, ManagedChannel channel, long startNanos) {
        this.dir = dir;
        this.cgroupRoot = cgroupRoot;
        this.bridge = bridge;
        this.socket = socket(dir);
        this.process = process;
        this.channel = channel;
        this.startToServingNanos = startNanos;
    }

    /** Installs containerd when missing (Debian's package; no service starts here, as there is no systemd). */
    static void installIfMissing() throws IOException, InterruptedException {
        if (Files.isExecutable(BINARY) && Files.isExecutable(Path.of("/usr/bin/containerd-shim-runc-v2"))) {
            return;
        }
        ProcessBuilder install = new ProcessBuilder(
                        "apt-get",
                        "-o",
                        "DPkg::Lock::Timeout=600",
                        "install",
                        "-y",
                        "-q",
                        "--no-install-recommends",
                        "containerd")
                .inheritIO();
        install.environment().put("DEBIAN_FRONTEND", "noninteractive");
        Process apt = install.start();
        if (apt.waitFor() != 0) {
            throw new IOException("apt-get install containerd failed with " + apt.exitValue());
        }
    }

    /**
     * Starts containerd and waits until its CRI answers Version.
     *
     * @param registryHostPort the loopback registry (plain HTTP) that serves every image, the sandbox image too
     * @param sandboxImage the pause image's reference on that registry
     */
    static ContainerdDaemon start(String registryHostPort, String sandboxImage)
            throws IOException, InterruptedException {
        Path dir = Files.createTempDirectory("jcri-bench-containerd-");
        ThreadLocalRandom random = ThreadLocalRandom.current();
        String bridge =
                "jcbc" + Integer.toHexString(0x10000 + random.nextInt(0xf0000)).substring(0, 5);
        // jcri's test networks take 10.254.x.0/24 and the floor 10.253.x.0/24: this one is apart from both.
        String subnet = "10.252." + random.nextInt(1, 254) + ".0/24";
        String cgroupRoot = "/" + dir.getFileName();
        Process process = null;
        try {
            Files.createDirectories(dir.resolve("cni/net.d"));
            Files.writeString(
                    dir.resolve("cni/net.d/10-bench.conflist"), """
                    {"cniVersion": "1.0.0", "name": "containerd-bench",
                     "plugins": [
                       {"type": "bridge", "bridge": "%s", "isGateway": true, "ipMasq": false,
                        "ipam": {"type": "host-local", "ranges": [[{"subnet": "%s"}]], "dataDir": "%s"}},
                       {"type": "portmap", "capabilities": {"portMappings": true}}
                     ]}
                    """.formatted(bridge, subnet, dir.resolve("ipam")));
            Path hosts = Files.createDirectories(dir.resolve("certs.d").resolve(registryHostPort));
            Files.writeString(hosts.resolve("hosts.toml"), """
                    server = "http://%1$s"
                    [host."http://%1$s"]
                      capabilities = ["pull", "resolve"]
                    """.formatted(registryHostPort));
            Files.writeString(dir.resolve("config.toml"), config(dir, sandboxImage));
            long start = System.nanoTime();
            process = new ProcessBuilder(
                            BINARY.toString(),
                            "--config",
                            dir.resolve("config.toml").toString())
                    .redirectErrorStream(true)
                    .redirectOutput(dir.resolve("containerd.log").toFile())
                    .start();
            ManagedChannel channel = Grpc.newChannelBuilder(
                            "unix://" + socket(dir), InsecureChannelCredentials.create())
                    .maxInboundMessageSize(64 << 20)
                    .build();
            long served = awaitVersion(process, channel, dir);
            return new ContainerdDaemon(dir, cgroupRoot, bridge, process, channel, served - start);
        } catch (IOException | InterruptedException | RuntimeException | Error e) {
            cleanUp(dir, cgroupRoot, bridge, process, null);
            throw e;
        }
    }

    private static String config(Path dir, String sandboxImage) {
        // Plugins that would look at host paths outside the temp dir (opt installs into /opt) or at other
        // filesystems are off; nothing listens on TCP.
        return """
                version = 2
                root = "%1$s/root"
                state = "%1$s/state"
                disabled_plugins = ["io.containerd.internal.v1.opt", "io.containerd.snapshotter.v1.aufs",
                  "io.containerd.snapshotter.v1.btrfs", "io.containerd.snapshotter.v1.devmapper",
                  "io.containerd.snapshotter.v1.zfs", "io.containerd.tracing.processor.v1.otlp",
                  "io.containerd.internal.v1.tracing"]
                [grpc]
                  address = "%2$s"
                [ttrpc]
                  address = "%2$s.ttrpc"
                [debug]
                  address = ""
                  level = "warn"
                [metrics]
                  address = ""
                [plugins."io.containerd.grpc.v1.cri"]
                  sandbox_image = "%3$s"
                  disable_tcp_service = true
                  stream_server_address = "127.0.0.1"
                  stream_server_port = "0"
                  restrict_oom_score_adj = true
                  netns_mounts_under_state_dir = true
                  enable_selinux = false
                  [plugins."io.containerd.grpc.v1.cri".containerd]
                    snapshotter = "overlayfs"
                    default_runtime_name = "crun"
                    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.crun]
                      runtime_type = "io.containerd.runc.v2"
                      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.crun.options]
                        BinaryName = "/usr/bin/crun"
                        SystemdCgroup = false
                  [plugins."io.containerd.grpc.v1.cri".cni]
                    bin_dir = "%4$s"
                    conf_dir = "%1$s/cni/net.d"
                  [plugins."io.containerd.grpc.v1.cri".registry]
                    config_path = "%1$s/certs.d"
                """.formatted(dir, socket(dir), sandboxImage, CNI_BIN);
    }

    private static long awaitVersion(Process process, ManagedChannel channel, Path dir)
            throws IOException, InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        RuntimeServiceGrpc.RuntimeServiceBlockingStub stub = RuntimeServiceGrpc.newBlockingStub(channel);
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                channel.shutdownNow();
                throw new IllegalStateException("containerd exited with " + process.exitValue() + ":\n" + log(dir));
            }
            if (Files.exists(socket(dir))) {
                try {
                    stub.withDeadlineAfter(2, TimeUnit.SECONDS).version(VersionRequest.getDefaultInstance());
                    return System.nanoTime();
                } catch (StatusRuntimeException e) {
                    // Not serving yet; retried at once, as JcriProcess does, not after gRPC's reconnect backoff.
                    channel.resetConnectBackoff();
                }
            }
            Thread.sleep(10);
        }
        channel.shutdownNow();
        throw new IllegalStateException("containerd's CRI not serving within 60 s:\n" + log(dir));
    }

    static Path socket(Path dir) {
        return dir.resolve("containerd.sock");
    }

    RuntimeServiceGrpc.RuntimeServiceBlockingStub runtime() {
        return RuntimeServiceGrpc.newBlockingStub(channel).withDeadlineAfter(120, TimeUnit.SECONDS);
    }

    ImageServiceGrpc.ImageServiceBlockingStub images() {
        return ImageServiceGrpc.newBlockingStub(channel).withDeadlineAfter(300, TimeUnit.SECONDS);
    }

    long pid() {
        return process.pid();
    }

    long startToServingNanos() {
        return startToServingNanos;
    }

    /** The cgroup (cgroupfs form) under which the benchmark puts this runtime's pods. */
    String cgroupRoot() {
        return cgroupRoot;
    }

    Path dir() {
        return dir;
    }

    /** The shims serving this containerd: their command line names its socket. */
    List<Long> shimPids() throws IOException {
        return ProcessTable.pidsWhoseCommandLine(
                argv -> argv.getFirst().endsWith("containerd-shim-runc-v2") && argv.contains(socket.toString()));
    }

    static String log(Path dir) throws IOException {
        Path log = dir.resolve("containerd.log");
        return Files.exists(log) ? Files.readString(log, StandardCharsets.UTF_8) : "(no log)";
    }

    @Override
    public void close() throws IOException, InterruptedException {
        cleanUp(dir, cgroupRoot, bridge, process, channel);
    }

    /** Each step runs even when an earlier one failed; the first failure is thrown at the end. */
    private static void cleanUp(Path dir, String cgroupRoot, String bridge, Process process, ManagedChannel channel)
            throws IOException, InterruptedException {
        List<Exception> failures = new ArrayList<>();
        if (channel != null && process != null && process.isAlive()) {
            try {
                removeAllPods(channel);
            } catch (RuntimeException e) {
                failures.add(e);
            }
        }
        if (channel != null) {
            channel.shutdownNow();
        }
        if (process != null && process.isAlive()) {
            process.destroy();
            if (!process.waitFor(20, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor();
            }
        }
        Path sock = socket(dir);
        try {
            // Shims outlive containerd by design; ours name our socket. Then what is left in our cgroups.
            for (long pid : ProcessTable.pidsWhoseCommandLine(
                    argv -> argv.getFirst().endsWith("containerd-shim-runc-v2") && argv.contains(sock.toString()))) {
                ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
            }
            killCgroupMembers(cgroupRoot);
        } catch (IOException e) {
            failures.add(e);
        }
        try {
            unmountBelow(dir);
        } catch (IOException e) {
            failures.add(e);
        }
        try {
            removeCgroups(cgroupRoot);
        } catch (IOException e) {
            failures.add(e);
        }
        new ProcessBuilder("ip", "link", "del", bridge)
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .start()
                .waitFor();
        try {
            StateDirCleanup.remove(dir);
        } catch (IOException e) {
            failures.add(e);
        }
        if (!failures.isEmpty()) {
            IOException e = new IOException("containerd cleanup failed: " + failures.getFirst(), failures.getFirst());
            failures.stream().skip(1).forEach(e::addSuppressed);
            throw e;
        }
    }

    private static void removeAllPods(ManagedChannel channel) {
        RuntimeServiceGrpc.RuntimeServiceBlockingStub runtime =
                RuntimeServiceGrpc.newBlockingStub(channel).withDeadlineAfter(120, TimeUnit.SECONDS);
        for (PodSandbox pod : runtime.listPodSandbox(ListPodSandboxRequest.getDefaultInstance())
                .getItemsList()) {
            RuntimeServiceGrpc.RuntimeServiceBlockingStub call =
                    RuntimeServiceGrpc.newBlockingStub(channel).withDeadlineAfter(60, TimeUnit.SECONDS);
            call.stopPodSandbox(StopPodSandboxRequest.newBuilder()
                    .setPodSandboxId(pod.getId())
                    .build());
            call.removePodSandbox(RemovePodSandboxRequest.newBuilder()
                    .setPodSandboxId(pod.getId())
                    .build());
        }
    }

    /** SIGKILL to every process still in a cgroup below ours (containers whose shim died first). */
    private static void killCgroupMembers(String cgroupRoot) throws IOException {
        for (Path cgroup : cgroupsBelow(cgroupRoot)) {
            Path procs = cgroup.resolve("cgroup.procs");
            if (!Files.exists(procs)) {
                continue;
            }
            for (String line : Files.readAllLines(procs)) {
                if (!line.isBlank()) {
                    ProcessHandle.of(Long.parseLong(line.strip())).ifPresent(ProcessHandle::destroyForcibly);
                }
            }
        }
    }

    private static void removeCgroups(String cgroupRoot) throws IOException {
        IOException last = null;
        for (Path cgroup : cgroupsBelow(cgroupRoot)) {
            // A killed process leaves its cgroup a moment later.
            for (int attempt = 0; ; attempt++) {
                try {
                    Files.deleteIfExists(cgroup);
                    break;
                } catch (IOException e) {
                    if (attempt == 50) {
                        last = e;
                        break;
                    }
                    sleep(20);
                }
            }
        }
        if (last != null) {
            throw last;
        }
    }

    /** Every cgroup directory at or below {@code cgroupRoot} in every hierarchy, deepest first. */
    static List<Path> cgroupsBelow(String cgroupRoot) throws IOException {
        List<Path> cgroups = new ArrayList<>();
        for (Path hierarchy : CgroupHierarchies.all()) {
            Path own = hierarchy.resolve(cgroupRoot.substring(1));
            if (!Files.isDirectory(own, LinkOption.NOFOLLOW_LINKS)) {
                continue;
            }
            try (var walk = Files.walk(own)) {
                walk.filter(p -> Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS))
                        .forEach(cgroups::add);
            }
        }
        cgroups.sort(Comparator.comparingInt((Path p) -> p.getNameCount()).reversed());
        return cgroups;
    }

    private static void unmountBelow(Path dir) throws IOException, InterruptedException {
        if (!Files.exists(dir)) {
            return;
        }
        for (String mountPoint : StateDirCleanup.mountsBelow(dir.toRealPath())) {
            new ProcessBuilder("umount", "-l", mountPoint)
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                    .start()
                    .waitFor();
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
