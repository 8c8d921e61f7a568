package dev.jcri.sandbox.ns;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Real namespaces (needs root): created without a process, visible through their pins, gone after release. */
class PinnedNamespacesTest {
    private static final String ID = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

    @TempDir
    Path dir;

    private List<Path> pins = List.of();

    @AfterEach
    void release() throws Exception {
        PinnedNamespaces.release(pins);
    }

    @Test
    void createsPinnedNamespacesWithHostnameAndSysctls() throws Exception {
        pins = PinnedNamespaces.create(
                dir,
                ID,
                List.of(PinnedNamespaces.Kind.NET, PinnedNamespaces.Kind.IPC, PinnedNamespaces.Kind.UTS),
                "pod-host",
                List.of(
                        new ProcSysWrite(Path.of("/proc/sys/net/ipv4/ip_unprivileged_port_start"), "80"),
                        new ProcSysWrite(Path.of("/proc/sys/kernel/shm_rmid_forced"), "1")),
                null);
        assertEquals(3, pins.size());
        String hostNetns = Files.readSymbolicLink(Path.of("/proc/self/ns/net")).toString();
        String podNetns = PinnedNamespaces.callInside(
                pins.get(0),
                () -> Files.readSymbolicLink(Path.of("/proc/thread-self/ns/net"))
                        .toString());
        assertNotEquals(hostNetns, podNetns);
        assertEquals(
                "80",
                PinnedNamespaces.callInside(
                        pins.get(0),
                        () -> readProc("/proc/sys/net/ipv4/ip_unprivileged_port_start")
                                .strip()));
        assertEquals(
                "1",
                PinnedNamespaces.callInside(
                        pins.get(1),
                        () -> readProc("/proc/sys/kernel/shm_rmid_forced").strip()));
        assertEquals(
                "pod-host",
                PinnedNamespaces.callInside(
                        pins.get(2), () -> readProc("/proc/sys/kernel/hostname").strip()));
        assertNotEquals("pod-host", readProc("/proc/sys/kernel/hostname").strip(), "the host keeps its name");

        PinnedNamespaces.release(pins);
        for (Path pin : pins) {
            assertFalse(Files.exists(pin));
        }
        assertFalse(Files.readString(Path.of("/proc/self/mountinfo")).contains(dir.toString()));
        PinnedNamespaces.release(pins);
    }

    @Test
    void createsNamespacesOwnedByAMappedUserNamespace() throws Exception {
        UserMappings users =
                new UserMappings(new UserMappings.Range(0, 200000, 65536), new UserMappings.Range(0, 300000, 65536));
        pins = PinnedNamespaces.create(
                dir,
                ID,
                List.of(
                        PinnedNamespaces.Kind.USER,
                        PinnedNamespaces.Kind.NET,
                        PinnedNamespaces.Kind.IPC,
                        PinnedNamespaces.Kind.UTS),
                "userns-pod",
                List.of(new ProcSysWrite(Path.of("/proc/sys/net/ipv4/ip_unprivileged_port_start"), "81")),
                users);
        assertEquals(4, pins.size());
        assertEquals("user", pins.get(0).getParent().getFileName().toString());
        assertEquals(
                "userns-pod",
                PinnedNamespaces.callInside(
                        pins.get(3), () -> readProc("/proc/sys/kernel/hostname").strip()));
        assertEquals(
                "81",
                PinnedNamespaces.callInside(
                        pins.get(1),
                        () -> readProc("/proc/sys/net/ipv4/ip_unprivileged_port_start")
                                .strip()));
        // The user namespace is pinned with its mappings, and the pod's network namespace belongs to it.
        String maps = new String(new ProcessBuilder(
                        "nsenter",
                        "--user=" + pins.get(0),
                        "--net=" + pins.get(1),
                        "sh",
                        "-c",
                        "cat /proc/self/uid_map /proc/self/gid_map; cat /proc/sys/net/ipv4/ip_unprivileged_port_start")
                .start()
                .getInputStream()
                .readAllBytes());
        assertEquals(
                List.of("0 200000 65536", "0 300000 65536", "81"),
                maps.lines().map(l -> l.strip().replaceAll("\\s+", " ")).toList());
        PinnedNamespaces.release(pins);
        for (Path pin : pins) {
            assertFalse(Files.exists(pin));
        }
    }

    @Test
    void aUserNamespaceWithoutMappingsIsRefusedAndLeavesNothing() {
        assertThrows(
                IllegalArgumentException.class,
                () -> PinnedNamespaces.create(
                        dir, ID, List.of(PinnedNamespaces.Kind.USER, PinnedNamespaces.Kind.NET), "", List.of(), null));
        assertFalse(Files.exists(PinnedNamespaces.pinPath(dir, PinnedNamespaces.Kind.USER, ID)));
    }

    /** Files.readAllBytes reads /proc/sys files one byte first, and sysctls answer EOF past offset 0. */
    private static String readProc(String path) throws java.io.IOException {
        try (var in = Files.newInputStream(Path.of(path))) {
            return new String(in.readNBytes(65536));
        }
    }

    @Test
    void aRefusedSysctlLeavesNothing() {
        IllegalArgumentException e = assertThrows(
                IllegalArgumentException.class,
                () -> PinnedNamespaces.create(
                        dir,
                        ID,
                        List.of(PinnedNamespaces.Kind.NET),
                        "",
                        List.of(new ProcSysWrite(Path.of("/proc/sys/net/ipv4/no_such_sysctl"), "1")),
                        null));
        assertTrue(e.getMessage().contains("net.ipv4.no_such_sysctl"), e.getMessage());
        assertFalse(Files.exists(PinnedNamespaces.pinPath(dir, PinnedNamespaces.Kind.NET, ID)));
    }
}
