package dev.jcri.sandbox.pod;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jcri.sandbox.pod.Sysctl.Namespace;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class SysctlPolicyTest {
    private static List<Sysctl> validate(Map<String, String> sysctls) {
        return SysctlPolicy.validate(sysctls, false, false);
    }

    private static String refusal(Map<String, String> sysctls, boolean hostNetwork, boolean hostIpc) {
        return assertThrows(IllegalArgumentException.class, () -> SysctlPolicy.validate(sysctls, hostNetwork, hostIpc))
                .getMessage();
    }

    private static String refusal(String key, String value) {
        return refusal(Map.of(key, value), false, false);
    }

    @Test
    void noSysctlsIsFine() {
        assertEquals(List.of(), SysctlPolicy.validate(Map.of(), true, true));
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "kernel.shm_rmid_forced",
                "kernel.shmmax",
                "kernel.shmall",
                "kernel.shmmni",
                "kernel.msgmax",
                "kernel.msgmnb",
                "kernel.msgmni",
                "kernel.sem",
                "fs.mqueue.msg_max",
                "fs.mqueue.queues_max",
                "kernel/shmmax",
                "fs/mqueue/msgsize_max"
            })
    void ipcSysctlsBelongToTheIpcNamespace(String key) {
        Sysctl sysctl = validate(Map.of(key, "1")).getFirst();
        assertEquals(Namespace.IPC, sysctl.namespace());
        assertEquals(key.replace('/', '.'), sysctl.key());
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "net.ipv4.ip_forward",
                "net.ipv4.ip_local_port_range",
                "net.core.somaxconn",
                "net.ipv6.conf.all.disable_ipv6",
                "net/ipv4/tcp_syncookies"
            })
    void netSysctlsBelongToTheNetworkNamespace(String key) {
        assertEquals(Namespace.NET, validate(Map.of(key, "1")).getFirst().namespace());
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "kernel.hostname",
                "kernel.shm",
                "kernel.shmmax.x",
                "kernel.core_pattern",
                "kernel.msgmax2",
                "vm.overcommit_memory",
                "fs.file-max",
                "fs.mqueue",
                "net",
                "kernel",
                "dev.tty.ldisc_autoload",
                "user.max_user_namespaces",
                "kernel.pid_max"
            })
    void hostSysctlsAreRefused(String key) {
        String message = refusal(key, "1");
        assertEquals(
                "linux.sysctls[\"" + key + "\"]: not a namespaced sysctl; a pod may set only net.*,"
                        + " fs.mqueue.* and the IPC sysctls kernel.shm_rmid_forced, kernel.shmmax, kernel.shmall,"
                        + " kernel.shmmni, kernel.msgmax, kernel.msgmnb, kernel.msgmni and kernel.sem",
                message);
    }

    @Test
    void netSysctlsAreRefusedOnTheHostNetworkButIpcOnesAreNot() {
        String message = refusal(Map.of("net.ipv4.ip_forward", "1"), true, false);
        assertEquals(
                "linux.sysctls[\"net.ipv4.ip_forward\"]: a pod on the host's network namespace cannot set"
                        + " net.* sysctls; they would change the node",
                message);
        assertEquals(
                Namespace.IPC,
                SysctlPolicy.validate(Map.of("kernel.shmmax", "1"), true, false)
                        .getFirst()
                        .namespace());
    }

    @Test
    void ipcSysctlsAreRefusedOnTheHostIpcNamespaceButNetOnesAreNot() {
        assertTrue(refusal(Map.of("kernel.sem", "250 32000 32 128"), false, true)
                .startsWith("linux.sysctls[\"kernel.sem\"]: a pod on the host's IPC namespace"));
        assertTrue(refusal(Map.of("fs.mqueue.msg_max", "10"), false, true)
                .startsWith("linux.sysctls[\"fs.mqueue.msg_max\"]: a pod on the host's IPC namespace"));
        assertEquals(
                Namespace.NET,
                SysctlPolicy.validate(Map.of("net.core.somaxconn", "1024"), false, true)
                        .getFirst()
                        .namespace());
    }

    @Test
    void slashFormKeepsDotsInsideAComponent() {
        Sysctl sysctl =
                validate(Map.of("net/ipv4/conf/eth0.100/forwarding", "1")).getFirst();
        assertEquals("net.ipv4.conf.eth0/100.forwarding", sysctl.key());
        assertEquals(Path.of("/proc/sys/net/ipv4/conf/eth0.100/forwarding"), sysctl.procPath());
    }

    @Test
    void kubeletsDottedFormOfTheSameNameMeansTheSameFile() {
        // Kubelet converts slash names before calling the runtime: net/ipv4/conf/eth0.100/forwarding arrives so.
        Sysctl sysctl =
                validate(Map.of("net.ipv4.conf.eth0/100.forwarding", "1")).getFirst();
        assertEquals("net.ipv4.conf.eth0/100.forwarding", sysctl.key());
        assertEquals(Path.of("/proc/sys/net/ipv4/conf/eth0.100/forwarding"), sysctl.procPath());
    }

    @Test
    void procPathJoinsTheComponents() {
        assertEquals(
                Path.of("/proc/sys/kernel/shm_rmid_forced"),
                validate(Map.of("kernel.shm_rmid_forced", "1")).getFirst().procPath());
        assertEquals(
                Path.of("/proc/sys/fs/mqueue/msg_max"),
                validate(Map.of("fs/mqueue/msg_max", "1")).getFirst().procPath());
    }

    @Test
    void bothFormsOfOneNameAreRefusedAsDuplicates() {
        Map<String, String> sysctls = new LinkedHashMap<>();
        sysctls.put("net.ipv4.ip_forward", "1");
        sysctls.put("net/ipv4/ip_forward", "0");
        assertEquals(
                "linux.sysctls[\"net/ipv4/ip_forward\"]: names the same sysctl as"
                        + " linux.sysctls[\"net.ipv4.ip_forward\"]",
                refusal(sysctls, false, false));
    }

    @Test
    void resultIsSortedByKeyWhateverTheMapOrder() {
        Map<String, String> sysctls = new LinkedHashMap<>();
        sysctls.put("net.ipv4.ip_forward", "1");
        sysctls.put("kernel.shmmax", "68719476736");
        sysctls.put("fs.mqueue.msg_max", "10");
        List<Sysctl> result = validate(sysctls);
        assertEquals(
                List.of(
                        new Sysctl("fs.mqueue.msg_max", "10", Namespace.IPC),
                        new Sysctl("kernel.shmmax", "68719476736", Namespace.IPC),
                        new Sysctl("net.ipv4.ip_forward", "1", Namespace.NET)),
                result);
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "net..ipv4",
                "net.ipv4.",
                ".net.ipv4",
                "net//ipv4",
                "/net/ipv4",
                "net/ipv4/",
                "net/ipv4/../../kernel/core_pattern",
                "net/./ipv4",
                "net.ipv4.conf.//.forwarding",
                "net.ipv4.conf./.forwarding",
                "net/ipv4/conf/a..b/forwarding"
            })
    void pathTricksInKeysAreRefused(String key) {
        String message = refusal(key, "1");
        assertTrue(message.startsWith("linux.sysctls[\"" + key + "\"]: the sysctl name has"), message);
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "net.ipv4.IP_FORWARD",
                "net.ipv4.ip forward",
                "net.ipv4.ip_forward\n",
                "net.ipv4.ip*",
                "net.ipv4.ip_forward=1",
                "net.ipv4.conf.eth0\\.100",
                "net.ipv4.ip_förward",
                "net.ipv4.ip+forward",
                "net.ipv4.ip_forward\0"
            })
    void unsafeCharactersInKeysAreRefused(String key) {
        String message = refusal(key, "1");
        assertTrue(
                message.contains(": the sysctl name may hold only lowercase letters, digits, '_', '-' and"
                        + " separators, not "),
                message);
    }

    @Test
    void keysAreShownEscapedInMessages() {
        String message = refusal("net.a\nkernel.core_pattern", "1");
        assertTrue(message.startsWith("linux.sysctls[\"net.a\\nkernel.core_pattern\"]:"), message);
        assertEquals(-1, message.indexOf('\n'));
    }

    @Test
    void emptyAndOverlongKeysAreRefused() {
        assertEquals("linux.sysctls[\"\"]: the sysctl name is empty", refusal("", "1"));
        String longKey = "net." + "a".repeat(250);
        assertTrue(refusal(longKey, "1").endsWith(": the sysctl name is longer than 253 characters"));
        assertEquals(
                Namespace.NET,
                validate(Map.of("net." + "a".repeat(249), "1")).getFirst().namespace());
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "1",
                "0",
                "-1",
                "250 32000 32 128",
                "250\t32000\t32\t128",
                "1024 65535",
                "8080,9148-9150",
                "fe80::1:2",
                "bbr",
                "fq_codel",
                "reno cubic",
                "00000000-00000000-00000000-00000000",
                "0 2147483647",
                "1.5",
                "/some/path",
                "A"
            })
    void realSysctlValuesAreAccepted(String value) {
        assertEquals(value, validate(Map.of("net.core.x", value)).getFirst().value());
    }

    @ParameterizedTest
    @ValueSource(strings = {"1+kernel.core_pattern=|/evil", "1=2", "1\nkernel.core_pattern", "1\r", "1\0"})
    void valuesThatCouldInjectAnotherSysctlAreRefused(String value) {
        String message = refusal("kernel.shm_rmid_forced", value);
        assertTrue(message.startsWith("linux.sysctls[\"kernel.shm_rmid_forced\"]: the value holds "), message);
        assertTrue(message.endsWith(", which could smuggle in another sysctl"), message);
    }

    @ParameterizedTest
    @ValueSource(strings = {"1;2", "$(id)", "`id`", "a|b", "\u00e9", "1\u000b", "1\u001b[0m", "\"1\"", "1'", "x*"})
    void otherUnusualCharactersInValuesAreRefused(String value) {
        String message = refusal("net.core.somaxconn", value);
        assertTrue(
                message.contains("a sysctl value may hold only letters, digits, spaces, tabs and . - : , / _"),
                message);
    }

    @Test
    void blankAndOverlongValuesAreRefused() {
        assertEquals("linux.sysctls[\"net.core.somaxconn\"]: the value is empty", refusal("net.core.somaxconn", ""));
        assertEquals("linux.sysctls[\"net.core.somaxconn\"]: the value is empty", refusal("net.core.somaxconn", " \t"));
        assertEquals(
                "linux.sysctls[\"net.core.somaxconn\"]: the value is longer than 4096 characters",
                refusal("net.core.somaxconn", "1".repeat(4097)));
        assertEquals(
                4096,
                validate(Map.of("net.core.somaxconn", "1".repeat(4096)))
                        .getFirst()
                        .value()
                        .length());
    }

    @Test
    void theKeyIsCheckedBeforeTheValue() {
        assertTrue(refusal("kernel.core_pattern", "|/evil").contains("not a namespaced sysctl"));
    }

    @Test
    void aSysctlBuiltDirectlyIsCheckedToo() {
        assertThrows(
                IllegalArgumentException.class, () -> new Sysctl("net/../../kernel/core_pattern", "1", Namespace.NET));
        assertThrows(IllegalArgumentException.class, () -> new Sysctl("net.core.somaxconn", "1+x=y", Namespace.NET));
        assertThrows(IllegalArgumentException.class, () -> new Sysctl("net.core.somaxconn", "1", Namespace.IPC));
        assertThrows(IllegalArgumentException.class, () -> new Sysctl("kernel.core_pattern", "1", Namespace.IPC));
        Sysctl slashForm = new Sysctl("net/ipv4/conf/eth0.100/rp_filter", "1", Namespace.NET);
        assertEquals("net.ipv4.conf.eth0/100.rp_filter", slashForm.key());
        assertEquals(Path.of("/proc/sys/net/ipv4/conf/eth0.100/rp_filter"), slashForm.procPath());
    }

    @Test
    void procPathNeverLeavesProcSys() {
        assertThrows(IllegalArgumentException.class, () -> new SysctlKey(List.of("net", "..", "..", "etc")));
        assertThrows(IllegalArgumentException.class, () -> new SysctlKey(List.of("net", "a/b")));
        assertThrows(IllegalArgumentException.class, () -> new SysctlKey(List.of()));
        Path path = SysctlKey.parse("net.ipv4.conf.eth0/100.forwarding").procPath();
        assertTrue(path.startsWith(Path.of("/proc/sys")));
        assertEquals(path, path.normalize());
    }
}
