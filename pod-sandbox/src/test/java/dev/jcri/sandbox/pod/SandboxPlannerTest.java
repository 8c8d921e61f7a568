package dev.jcri.sandbox.pod;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jcri.sandbox.StateLayout;
import dev.jcri.sandbox.cgroup.CgroupfsDriver;
import dev.jcri.sandbox.ns.PinnedNamespaces.Kind;
import dev.jcri.sandbox.ns.UserMappings;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The plan of RunPodSandbox: everything it decides, without root and without touching the node. */
class SandboxPlannerTest {
    private static final String ID = "a".repeat(64);
    private static final StateLayout LAYOUT = new StateLayout(
            Path.of("/var/lib/jcri"), Path.of("/run/jcri"), Path.of("/etc/resolv.conf"), Path.of("/etc/hosts"));
    private static final SandboxPlanner PLANNER =
            new SandboxPlanner(LAYOUT, Set.of("crun", "runc"), "crun", "/jcri", new CgroupfsDriver(List.of()));
    private static final UserMappings USERS =
            new UserMappings(new UserMappings.Range(0, 65536, 65536), new UserMappings.Range(0, 65536, 65536));

    /** A node named node-1 that can run pods with their own users. */
    private static final SandboxPlanner.Node NODE = new SandboxPlanner.Node() {
        @Override
        public String hostname() {
            return "node-1";
        }

        @Override
        public Optional<String> userNamespacesMissing(String handler) {
            return Optional.empty();
        }
    };

    private static PodSandboxSpec spec(
            PodSandboxSpec.Mode network,
            PodSandboxSpec.Mode pid,
            PodSandboxSpec.Mode ipc,
            UserMappings users,
            Map<String, String> sysctls,
            String cgroupParent,
            PodSandboxSpec.Dns dns,
            String handler) {
        return new PodSandboxSpec(
                "web-0",
                "default",
                "uid-1",
                2,
                "",
                "/var/log/pods/x",
                dns,
                List.of(),
                Map.of(),
                Map.of(),
                cgroupParent,
                sysctls,
                new PodSandboxSpec.Namespaces(network, pid, ipc, users),
                handler);
    }

    private static PodSandboxSpec.Dns noDns() {
        return new PodSandboxSpec.Dns(List.of(), List.of(), List.of());
    }

    private static PodSandboxSpec podNetwork() {
        return spec(
                PodSandboxSpec.Mode.POD,
                PodSandboxSpec.Mode.CONTAINER,
                PodSandboxSpec.Mode.POD,
                null,
                Map.of(),
                "",
                noDns(),
                "");
    }

    @Test
    void aPodWithItsOwnNetworkPinsNetUtsAndIpcAndNamesEveryPinInTheRecord() {
        SandboxPlan plan = PLANNER.plan(ID, podNetwork(), NODE);

        assertEquals(List.of(Kind.NET, Kind.UTS, Kind.IPC), plan.pinned());
        SandboxRecord record = plan.record();
        assertEquals(SandboxState.CREATING, record.state());
        assertEquals("k8s_POD_web-0_default_uid-1_2", record.name());
        assertEquals(
                List.of("/run/jcri/ns/net/" + ID, "/run/jcri/ns/uts/" + ID, "/run/jcri/ns/ipc/" + ID),
                record.namespaces().pins());
        assertEquals(Optional.of("/run/jcri/ns/net/" + ID), record.netns());
        assertEquals(Optional.of("/run/jcri/sandboxes/" + ID + "/shm"), record.shm());
        assertEquals("crun", record.runtimeHandler());
        assertEquals("/jcri", record.cgroupParent());
        assertEquals("web-0", plan.hostname());
        assertTrue(plan.ownNetwork());
        assertTrue(plan.ownShm());
        assertFalse(plan.sharedPid());
        assertEquals(Optional.empty(), plan.resolvConf(), "no DNS config: the node's resolv.conf");
    }

    @Test
    void aHostNetworkPodKeepsTheNodesHostnameAndPinsOnlyIpc() {
        SandboxPlan plan = PLANNER.plan(
                ID,
                spec(
                        PodSandboxSpec.Mode.NODE,
                        PodSandboxSpec.Mode.CONTAINER,
                        PodSandboxSpec.Mode.POD,
                        null,
                        Map.of(),
                        "",
                        noDns(),
                        "runc"),
                NODE);

        assertEquals(List.of(Kind.IPC), plan.pinned());
        assertEquals("node-1", plan.hostname());
        assertEquals(Optional.empty(), plan.record().netns());
        assertEquals(Optional.empty(), plan.record().namespaces().uts());
        assertEquals("runc", plan.record().runtimeHandler());
        assertFalse(plan.ownNetwork());
    }

    @Test
    void theNodesIpcMeansNoShmOfItsOwn() {
        SandboxPlan plan = PLANNER.plan(
                ID,
                spec(
                        PodSandboxSpec.Mode.POD,
                        PodSandboxSpec.Mode.CONTAINER,
                        PodSandboxSpec.Mode.NODE,
                        null,
                        Map.of(),
                        "",
                        noDns(),
                        ""),
                NODE);

        assertEquals(List.of(Kind.NET, Kind.UTS), plan.pinned());
        assertFalse(plan.ownShm());
        assertEquals(Optional.empty(), plan.record().shm());
        assertEquals(Optional.empty(), plan.record().namespaces().ipc());
    }

    @Test
    void aSharedPidNamespaceIsNamedInTheRecordBeforeItExists() {
        SandboxPlan plan = PLANNER.plan(
                ID,
                spec(
                        PodSandboxSpec.Mode.POD,
                        PodSandboxSpec.Mode.POD,
                        PodSandboxSpec.Mode.POD,
                        null,
                        Map.of(),
                        "",
                        noDns(),
                        ""),
                NODE);

        assertTrue(plan.sharedPid());
        assertEquals("/run/jcri/ns/pid/" + ID, plan.record().namespaces().pins().getLast());
        assertEquals(Optional.empty(), plan.record().namespaces().pid(), "set once the infra container holds it");
    }

    @Test
    void aPodWithItsOwnUsersPinsTheUserNamespaceFirst() {
        SandboxPlan plan = PLANNER.plan(
                ID,
                spec(
                        PodSandboxSpec.Mode.POD,
                        PodSandboxSpec.Mode.CONTAINER,
                        PodSandboxSpec.Mode.POD,
                        USERS,
                        Map.of(),
                        "",
                        noDns(),
                        ""),
                NODE);

        assertEquals(List.of(Kind.USER, Kind.NET, Kind.UTS, Kind.IPC), plan.pinned());
        assertEquals(
                Optional.of("/run/jcri/ns/user/" + ID),
                plan.record().namespaces().user());
    }

    @Test
    void ownUsersNeedTheNodesSupportAndNoNodeNamespaces() {
        SandboxPlanner.Node without = new SandboxPlanner.Node() {
            @Override
            public String hostname() {
                return "node-1";
            }

            @Override
            public Optional<String> userNamespacesMissing(String handler) {
                return Optional.of("no idmapped mounts");
            }
        };
        IllegalStateException unsupported = assertThrows(
                IllegalStateException.class,
                () -> PLANNER.plan(
                        ID,
                        spec(
                                PodSandboxSpec.Mode.POD,
                                PodSandboxSpec.Mode.CONTAINER,
                                PodSandboxSpec.Mode.POD,
                                USERS,
                                Map.of(),
                                "",
                                noDns(),
                                ""),
                        without));
        assertTrue(unsupported.getMessage().contains("no idmapped mounts"), unsupported.getMessage());

        IllegalArgumentException hostNetwork = assertThrows(
                IllegalArgumentException.class,
                () -> PLANNER.plan(
                        ID,
                        spec(
                                PodSandboxSpec.Mode.NODE,
                                PodSandboxSpec.Mode.CONTAINER,
                                PodSandboxSpec.Mode.POD,
                                USERS,
                                Map.of(),
                                "",
                                noDns(),
                                ""),
                        NODE));
        assertTrue(hostNetwork.getMessage().startsWith("namespace_options.userns_options: "));
    }

    @Test
    void badRequestsAreRefusedNamingTheField() {
        assertField(
                "runtime_handler: ",
                spec(
                        PodSandboxSpec.Mode.POD,
                        PodSandboxSpec.Mode.CONTAINER,
                        PodSandboxSpec.Mode.POD,
                        null,
                        Map.of(),
                        "",
                        noDns(),
                        "kata"));
        assertField(
                "namespace_options.network: ",
                spec(
                        PodSandboxSpec.Mode.CONTAINER,
                        PodSandboxSpec.Mode.CONTAINER,
                        PodSandboxSpec.Mode.POD,
                        null,
                        Map.of(),
                        "",
                        noDns(),
                        ""));
        assertField(
                "namespace_options.pid: ",
                spec(
                        PodSandboxSpec.Mode.POD,
                        PodSandboxSpec.Mode.TARGET,
                        PodSandboxSpec.Mode.POD,
                        null,
                        Map.of(),
                        "",
                        noDns(),
                        ""));
        assertField(
                "linux.cgroup_parent: ",
                spec(
                        PodSandboxSpec.Mode.POD,
                        PodSandboxSpec.Mode.CONTAINER,
                        PodSandboxSpec.Mode.POD,
                        null,
                        Map.of(),
                        "/kubepods/../etc",
                        noDns(),
                        ""));
        assertField(
                "linux.sysctls",
                spec(
                        PodSandboxSpec.Mode.NODE,
                        PodSandboxSpec.Mode.CONTAINER,
                        PodSandboxSpec.Mode.POD,
                        null,
                        Map.of("net.ipv4.ip_forward", "1"),
                        "",
                        noDns(),
                        ""));
    }

    @Test
    void dnsSettingsAreRenderedIntoThePodsResolvConf() {
        SandboxPlan plan = PLANNER.plan(
                ID,
                spec(
                        PodSandboxSpec.Mode.POD,
                        PodSandboxSpec.Mode.CONTAINER,
                        PodSandboxSpec.Mode.POD,
                        null,
                        Map.of(),
                        "/kubepods/pod1",
                        new PodSandboxSpec.Dns(List.of("10.0.0.10"), List.of("svc.cluster.local"), List.of("ndots:5")),
                        ""),
                NODE);

        String resolvConf = plan.resolvConf().orElseThrow();
        assertTrue(resolvConf.contains("nameserver 10.0.0.10"), resolvConf);
        assertTrue(resolvConf.contains("search svc.cluster.local"), resolvConf);
        assertEquals("/kubepods/pod1", plan.record().cgroupParent());
    }

    private static void assertField(String prefix, PodSandboxSpec spec) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> PLANNER.plan(ID, spec, NODE));
        assertTrue(e.getMessage().startsWith(prefix), e.getMessage());
    }
}
