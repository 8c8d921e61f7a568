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
        pins = PinnedNamespaces.create(dir, ID, List.of(PinnedNamespaces.Kind.NET, PinnedNamespaces.Kind.IPC,
                        PinnedNamespaces.Kind.UTS), "pod-host",
                List.of(new ProcSysWrite(Path.of("/proc/sys/net/ipv4/ip_unprivileged_port_start"), "80"),
                        new ProcSysWrite(Path.of("/proc/sys/kernel/shm_rmid_forced"), "1")));
        assertEquals(3, pins.size());
        String hostNetns = Files.readSymbolicLink(Path.of("/proc/self/ns/net")).toString();
        String podNetns = PinnedNamespaces.callInside(pins.get(0),
                () -> Files.readSymbolicLink(Path.of("/proc/thread-self/ns/net")).toString());
        assertNotEquals(hostNetns, podNetns);
        assertEquals("80", PinnedNamespaces.callInside(pins.get(0),
                () -> readProc("/proc/sys/net/ipv4/ip_unprivileged_port_start").strip()));
        assertEquals("1", PinnedNamespaces.callInside(pins.get(1),
                () -> readProc("/proc/sys/kernel/shm_rmid_forced").strip()));
        assertEquals("pod-host", PinnedNamespaces.callInside(pins.get(2),
                () -> readProc("/proc/sys/kernel/hostname").strip()));
        assertNotEquals("pod-host", readProc("/proc/sys/kernel/hostname").strip(), "the host keeps its name");

        PinnedNamespaces.release(pins);
        for (Path pin : pins) {
            assertFalse(Files.exists(pin));
        }
        assertFalse(Files.readString(Path.of("/proc/self/mountinfo")).contains(dir.toString()));
        PinnedNamespaces.release(pins);
    }

    /** Files.readAllBytes reads /proc/sys files one byte first, and sysctls answer EOF past offset 0. */
    private static String readProc(String path) throws java.io.IOException {
        try (var in = Files.newInputStream(Path.of(path))) {
            return new String(in.readNBytes(65536));
        }
    }

    @Test
    void aRefusedSysctlLeavesNothing() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () ->
                PinnedNamespaces.create(dir, ID, List.of(PinnedNamespaces.Kind.NET), "",
                        List.of(new ProcSysWrite(Path.of("/proc/sys/net/ipv4/no_such_sysctl"), "1"))));
        assertTrue(e.getMessage().contains("net.ipv4.no_such_sysctl"), e.getMessage());
        assertFalse(Files.exists(PinnedNamespaces.pinPath(dir, PinnedNamespaces.Kind.NET, ID)));
    }
}
