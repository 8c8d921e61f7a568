package dev.jcri.sandbox.pod;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.jcri.cni.CniException;
import dev.jcri.sandbox.StateLayout;
import dev.jcri.sandbox.cgroup.CgroupfsDriver;
import dev.jcri.sandbox.ns.PinnedNamespaces;
import dev.jcri.sandbox.ns.ProcSysWrite;
import dev.jcri.sandbox.ns.UserMappings;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The steps of RunPodSandbox that act, on a node of fakes: their order, and their undo in reverse on failure. */
class SandboxRunTest {
    private static final String ID = "a".repeat(64);

    @TempDir
    Path dir;

    // Written by the infra container's thread too.
    private final List<String> journal = Collections.synchronizedList(new ArrayList<>());
    private StateLayout layout;
    private SandboxTable table;
    private boolean cniFails;
    private boolean infraFails;
    /** Counted down when the infra container's start begins; CNI ADD waits for it, proving the two overlap. */
    private final CountDownLatch infraBegun = new CountDownLatch(1);

    private final CountDownLatch addBegun = new CountDownLatch(1);
    private boolean addWaitsForInfra;

    @BeforeEach
    void node() throws Exception {
        Files.writeString(dir.resolve("resolv.conf"), "nameserver 192.0.2.53\n");
        Files.writeString(dir.resolve("hosts"), "127.0.0.1 localhost node-1\n");
        layout = new StateLayout(
                dir.resolve("root"), dir.resolve("run"), dir.resolve("resolv.conf"), dir.resolve("hosts"));
        table = new SandboxTable(layout);
    }

    @Test
    void mountsPinsAttachesThenWritesHostsAndSavesReady() throws Exception {
        SandboxRecord record = run(PodSandboxSpec.Mode.POD, PodSandboxSpec.Mode.CONTAINER);

        assertEquals(List.of("shm.mount", "pins.create [NET, UTS, IPC]", "network.setUp"), journal);
        assertEquals(SandboxState.READY, record.state());
        assertEquals(List.of("10.88.0.7"), record.ips());
        StateLayout.SandboxPaths paths = layout.sandbox(ID);
        assertEquals("nameserver 192.0.2.53\n", Files.readString(paths.resolvConf()));
        assertEquals("web-0\n", Files.readString(paths.hostname()));
        assertEquals(HostsFile.forPod("web-0", List.of("10.88.0.7")), Files.readString(paths.hosts()));
        assertEquals(Optional.of(record), table.store().get(ID));
    }

    @Test
    void aHostNetworkPodGetsNoCniAndTheNodesHostsFile() throws Exception {
        SandboxRecord record = run(PodSandboxSpec.Mode.NODE, PodSandboxSpec.Mode.CONTAINER);

        assertEquals(List.of("shm.mount", "pins.create [IPC]"), journal);
        assertEquals(SandboxState.READY, record.state());
        assertEquals(
                "127.0.0.1 localhost node-1\n",
                Files.readString(layout.sandbox(ID).hosts()));
    }

    @Test
    void aFailingCniAddUndoesThePinsAndTheShmAndTheRecord() {
        cniFails = true;

        assertThrows(CniException.class, () -> run(PodSandboxSpec.Mode.POD, PodSandboxSpec.Mode.CONTAINER));

        assertEquals(
                List.of("shm.mount", "pins.create [NET, UTS, IPC]", "network.setUp", "pins.release 3", "shm.unmount"),
                journal);
        assertNothingLeft();
    }

    @Test
    void aSharedPidPodMakesItsInfraContainerWhileCniAddRuns() throws Exception {
        addWaitsForInfra = true;

        SandboxRecord record = run(PodSandboxSpec.Mode.POD, PodSandboxSpec.Mode.POD);

        assertEquals(
                List.of(
                        "shm.mount",
                        "pins.create [NET, UTS, IPC]",
                        "members.startInfra",
                        "network.setUp",
                        "members.startInfra done",
                        "pins.pinExisting"),
                journal);
        assertEquals(SandboxState.READY, record.state());
        assertEquals(
                Optional.of(layout.sandbox(ID).pin("pid").toString()),
                record.namespaces().pid());
        assertEquals(
                HostsFile.forPod("web-0", List.of("10.88.0.7")),
                Files.readString(layout.sandbox(ID).hosts()));
    }

    @Test
    void aFailingInfraContainerUndoesEverythingBeforeItInReverse() {
        infraFails = true;

        assertThrows(IOException.class, () -> run(PodSandboxSpec.Mode.POD, PodSandboxSpec.Mode.POD));

        // ADD runs beside the infra container's start, in either order; the undo follows both.
        assertEquals(Set.of("members.startInfra", "network.setUp"), Set.copyOf(journal.subList(2, 4)));
        assertEquals(List.of("shm.mount", "pins.create [NET, UTS, IPC]"), journal.subList(0, 2));
        assertEquals(
                List.of("network.tearDown", "members.removeAll", "pins.release 4", "shm.unmount"),
                journal.subList(4, journal.size()));
        assertNothingLeft();
    }

    @Test
    void aFailingCniAddWaitsForTheInfraContainerBeforeItsUndo() {
        cniFails = true;
        addWaitsForInfra = true;

        assertThrows(CniException.class, () -> run(PodSandboxSpec.Mode.POD, PodSandboxSpec.Mode.POD));

        assertEquals(
                List.of(
                        "shm.mount",
                        "pins.create [NET, UTS, IPC]",
                        "members.startInfra",
                        "network.setUp",
                        "members.startInfra done",
                        "members.removeAll",
                        "pins.release 4",
                        "shm.unmount"),
                journal);
        assertNothingLeft();
    }

    private void assertNothingLeft() {
        assertEquals(List.of(), table.store().list());
        assertFalse(Files.exists(layout.sandbox(ID).recordDir()));
    }

    private SandboxRecord run(PodSandboxSpec.Mode network, PodSandboxSpec.Mode pid) throws Exception {
        PodSandboxSpec spec = new PodSandboxSpec(
                "web-0",
                "default",
                "uid-1",
                0,
                "",
                "",
                new PodSandboxSpec.Dns(List.of(), List.of(), List.of()),
                List.of(),
                Map.of(),
                Map.of(),
                "",
                Map.of(),
                new PodSandboxSpec.Namespaces(network, pid, PodSandboxSpec.Mode.POD, null),
                "");
        SandboxPlan plan = new SandboxPlanner(layout, Set.of("crun"), "crun", "/jcri", new CgroupfsDriver(List.of()))
                .plan(ID, spec, new SandboxPlanner.Node() {
                    @Override
                    public String hostname() {
                        return "node-1";
                    }

                    @Override
                    public Optional<String> userNamespacesMissing(String handler) {
                        return Optional.empty();
                    }
                });
        return new SandboxRun(table, new Network(), new Host(), () -> new Members()).run(plan);
    }

    private void awaitInfraBegun() {
        try {
            if (!infraBegun.await(10, TimeUnit.SECONDS)) {
                throw new IllegalStateException("CNI ADD ran without the infra container's start beside it");
            }
        } catch (InterruptedException e) {
            throw new IllegalStateException(e);
        }
    }

    private final class Host implements PodHost {
        @Override
        public void mountShm(Path shm) {
            journal.add("shm.mount");
        }

        @Override
        public void unmountShm(Path shm) {
            journal.add("shm.unmount");
        }

        @Override
        public void pinNamespaces(
                Path nsRoot,
                String sandboxId,
                List<PinnedNamespaces.Kind> kinds,
                String hostname,
                List<ProcSysWrite> sysctls,
                UserMappings users) {
            journal.add("pins.create " + kinds);
        }

        @Override
        public Path pinExisting(Path pin, Path source) {
            journal.add("pins.pinExisting");
            return pin;
        }

        @Override
        public void releasePins(List<Path> pins) {
            journal.add("pins.release " + pins.size());
        }
    }

    private final class Network implements SandboxNetwork {
        @Override
        public List<String> setUp(SandboxRecord record) throws CniException {
            if (addWaitsForInfra) {
                awaitInfraBegun();
            }
            journal.add("network.setUp");
            addBegun.countDown();
            if (cniFails) {
                throw new CniException("ADD refused by the test");
            }
            return List.of("10.88.0.7");
        }

        @Override
        public void tearDown(SandboxRecord record) {
            journal.add("network.tearDown");
        }

        @Override
        public boolean attached(String sandboxId) {
            return false;
        }

        @Override
        public void release(SandboxRecord record) {
            journal.add("network.release");
        }
    }

    private final class Members implements SandboxMembers {
        @Override
        public String startInfra(SandboxRecord sandbox) throws IOException, InterruptedException {
            journal.add("members.startInfra");
            infraBegun.countDown();
            if (infraFails) {
                throw new IOException("the pause image is missing");
            }
            if (addWaitsForInfra && !addBegun.await(10, TimeUnit.SECONDS)) {
                // Ends after ADD has begun (and, when it fails, after its failure): the undo must wait for it.
                throw new IllegalStateException("CNI ADD never began");
            }
            journal.add("members.startInfra done");
            return "/proc/1/ns/pid";
        }

        @Override
        public void stopContainers(String sandboxId) {
            journal.add("members.stopContainers");
        }

        @Override
        public void stopInfra(String sandboxId) {
            journal.add("members.stopInfra");
        }

        @Override
        public void removeContainers(String sandboxId) {}

        @Override
        public void removeInfra(String sandboxId) {}

        @Override
        public void removeAll(String sandboxId) {
            journal.add("members.removeAll");
        }
    }
}
