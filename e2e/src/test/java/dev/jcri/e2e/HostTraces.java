package dev.jcri.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.jcri.cri.v1.Container;
import dev.jcri.cri.v1.ContainerState;
import dev.jcri.cri.v1.ContainerStatusRequest;
import dev.jcri.cri.v1.ListContainersRequest;
import dev.jcri.cri.v1.ListPodSandboxRequest;
import dev.jcri.cri.v1.PodSandbox;
import dev.jcri.cri.v1.PodSandboxState;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * What one test daemon holds on the host, read from the host itself (mountinfo, its state dirs, /proc, its cgroup
 * parent, host-local's allocations), compared with what the daemon lists: every trace belongs to a listed object,
 * and every listed object has exactly its traces. Not covered: host-network pods, and pods sharing one PID
 * namespace (their infra container holds traces no list shows).
 */
public final class HostTraces {
    private final JcriProcess jcri;
    private final TestNetwork network;

    public HostTraces(JcriProcess jcri, TestNetwork network) {
        this.jcri = jcri;
        this.network = network;
    }

    /** Asserts that the host matches the lists, allowing a few seconds for exits still under way. */
    public void assertMatchLists() throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (true) {
            try {
                compare();
                return;
            } catch (AssertionError e) {
                if (System.nanoTime() > deadline) {
                    throw e;
                }
                Thread.sleep(200);
            }
        }
    }

    private void compare() throws IOException {
        List<PodSandbox> pods = jcri.runtime()
                .listPodSandbox(ListPodSandboxRequest.getDefaultInstance())
                .getItemsList();
        List<Container> containers = jcri.runtime()
                .listContainers(ListContainersRequest.getDefaultInstance())
                .getContainersList();
        Path run = jcri.dir().resolve("run").toRealPath();
        Path root = jcri.dir().resolve("root");
        Set<String> podIds = pods.stream().map(PodSandbox::getId).collect(Collectors.toCollection(TreeSet::new));
        Set<String> readyIds = pods.stream()
                .filter(p -> p.getState() == PodSandboxState.SANDBOX_READY)
                .map(PodSandbox::getId)
                .collect(Collectors.toCollection(TreeSet::new));
        Set<String> containerIds =
                containers.stream().map(Container::getId).collect(Collectors.toCollection(TreeSet::new));
        // A created container has neither conmon nor runtime state: both come at StartContainer.
        Set<String> liveIds = containers.stream()
                .filter(c -> c.getState() == ContainerState.CONTAINER_RUNNING)
                .map(Container::getId)
                .collect(Collectors.toCollection(TreeSet::new));
        Set<String> launchedIds = containers.stream()
                .filter(c -> c.getState() != ContainerState.CONTAINER_CREATED
                        && jcri.runtime()
                                        .containerStatus(ContainerStatusRequest.newBuilder()
                                                .setContainerId(c.getId())
                                                .build())
                                        .getStatus()
                                        .getStartedAt()
                                != 0)
                .map(Container::getId)
                .collect(Collectors.toCollection(TreeSet::new));

        // A stopped pod keeps its IPC and UTS namespaces and /dev/shm until removal; the network goes at stop.
        Set<String> mounts = new TreeSet<>();
        for (String id : podIds) {
            mounts.add(run + "/ns/ipc/" + id);
            mounts.add(run + "/ns/uts/" + id);
            mounts.add(run + "/sandboxes/" + id + "/shm");
        }
        for (String id : readyIds) {
            mounts.add(run + "/ns/net/" + id);
        }
        for (String id : containerIds) {
            mounts.add(run + "/containers/" + id + "/rootfs");
        }
        String lists = "pods="
                + pods.stream()
                        .map(p -> p.getMetadata().getName() + ":" + p.getState())
                        .toList()
                + " containers="
                + containers.stream()
                        .map(c -> c.getMetadata().getName() + ":" + c.getState())
                        .toList();
        assertEquals(mounts, new TreeSet<>(StateDirCleanup.mountsBelow(run)), "mounts vs " + lists);
        assertEquals(readyIds, names(run.resolve("ns/net")), "network namespace pins vs " + lists);
        assertEquals(podIds, names(run.resolve("ns/ipc")), "IPC namespace pins vs " + lists);
        assertEquals(Set.of(), names(run.resolve("ns/pid")), "PID namespace pins");
        assertEquals(podIds, names(root.resolve("sandboxes")), "sandbox records vs " + lists);
        assertEquals(containerIds, names(root.resolve("containers")), "container records vs " + lists);
        assertEquals(containerIds, names(run.resolve("containers")), "bundles vs " + lists);
        assertEquals(launchedIds, runtimeStates(run.resolve("runtimes")), "runtime state vs " + lists);
        assertEquals(liveIds, conmons(run), "conmon processes vs " + lists);
        Set<String> exitFiles = names(run.resolve("exits"));
        exitFiles.removeAll(containerIds);
        assertEquals(Set.of(), exitFiles, "exit files of removed containers");
        Set<String> cgroups = cgroups();
        cgroups.removeAll(containerIds);
        assertEquals(Set.of(), cgroups, "cgroups of removed containers");
        assertEquals(readyIds.size(), network.allocations(), "host-local IP allocations vs ready pods " + lists);
        assertEquals(readyIds, cniCacheOwners(root.resolve("cni/results")), "CNI cache entries vs " + lists);
    }

    private static Set<String> names(Path dir) throws IOException {
        Set<String> names = new TreeSet<>();
        if (Files.isDirectory(dir)) {
            try (Stream<Path> files = Files.list(dir)) {
                files.map(p -> p.getFileName().toString())
                        .filter(n -> !n.startsWith("."))
                        .forEach(names::add);
            }
        }
        return names;
    }

    private static Set<String> runtimeStates(Path runtimes) throws IOException {
        Set<String> ids = new TreeSet<>();
        for (String handler : names(runtimes)) {
            ids.addAll(names(runtimes.resolve(handler)).stream()
                    .filter(n -> n.matches("[0-9a-f]{64}"))
                    .toList());
        }
        return ids;
    }

    private static Set<String> cniCacheOwners(Path results) throws IOException {
        Set<String> ids = new TreeSet<>();
        for (String name : names(results)) {
            java.util.regex.Matcher id =
                    java.util.regex.Pattern.compile("-([0-9a-f]{64})-").matcher(name);
            if (id.find()) {
                ids.add(id.group(1));
            }
        }
        return ids;
    }

    /** Container IDs of the conmon processes whose bundles are in this daemon's runroot. */
    private static Set<String> conmons(Path run) throws IOException {
        Set<String> ids = new TreeSet<>();
        String bundles = run.resolve("containers").toString() + "/";
        try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
            for (Path proc : procs.filter(p -> p.getFileName().toString().matches("\\d+"))
                    .toList()) {
                List<String> argv;
                try {
                    argv = List.of(new String(Files.readAllBytes(proc.resolve("cmdline")), StandardCharsets.UTF_8)
                            .split("\0"));
                } catch (IOException e) {
                    continue;
                }
                if (argv.isEmpty() || !argv.getFirst().endsWith("conmon")) {
                    continue;
                }
                int bundle = argv.indexOf("-b");
                int id = argv.indexOf("-c");
                if (bundle >= 0
                        && id >= 0
                        && bundle + 1 < argv.size()
                        && id + 1 < argv.size()
                        && argv.get(bundle + 1).startsWith(bundles)) {
                    ids.add(argv.get(id + 1));
                }
            }
        }
        return ids;
    }

    /** Cgroups below the daemon's own parent (containers' and their conmons'), in every hierarchy of this host. */
    private Set<String> cgroups() throws IOException {
        Set<String> ids = new TreeSet<>();
        String parent = JcriProcess.cgroupParent(jcri.dir()).substring(1);
        for (Path hierarchy : CgroupHierarchies.all()) {
            Path own = hierarchy.resolve(parent);
            if (Files.isDirectory(own, LinkOption.NOFOLLOW_LINKS)) {
                try (Stream<Path> children = Files.list(own)) {
                    // conmon's own cgroup (conmon-<id>) belongs to its container as much as the container's.
                    children.filter(Files::isDirectory)
                            .map(p -> p.getFileName().toString())
                            .map(n -> n.startsWith("conmon-") ? n.substring("conmon-".length()) : n)
                            .forEach(ids::add);
                }
            }
        }
        return ids;
    }
}
