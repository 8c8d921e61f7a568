package dev.jcri.sandbox.pod;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class HostnameTest {
    private static String refusal(String hostname) {
        return assertThrows(IllegalArgumentException.class, () -> Hostname.validate(hostname))
                .getMessage();
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "web-0",
                "a",
                "0",
                "nginx",
                "web-0.web.default.svc.cluster.local",
                "Node-1",
                "a-b-c",
                "12345678901234567890123456789.1234567890123456789012345678901234"
            })
    void validHostnames(String hostname) {
        assertEquals(hostname, Hostname.validate(hostname));
    }

    @Test
    void messagesNameTheFieldAndTheProblem() {
        assertEquals("hostname: must not be empty", refusal(""));
        assertEquals(
                "hostname: \"" + "a".repeat(65) + "\" is longer than 64 characters, the kernel's limit",
                refusal("a".repeat(65)));
        assertEquals("hostname: \"-web\" has a label that starts or ends with '-'", refusal("-web"));
        assertEquals("hostname: \"web-.x\" has a label that starts or ends with '-'", refusal("web-.x"));
        assertEquals("hostname: \"web..x\" has an empty label or one longer than 63 characters", refusal("web..x"));
        assertEquals("hostname: \"web.\" has an empty label or one longer than 63 characters", refusal("web."));
        assertEquals(
                "hostname: \"" + "a".repeat(64) + "\" has an empty label or one longer than 63 characters",
                refusal("a".repeat(64)));
        assertEquals("hostname: \"web_0\" may hold only letters, digits, '-' and '.'", refusal("web_0"));
        assertEquals("hostname: \"web\\n0\" may hold only letters, digits, '-' and '.'", refusal("web\n0"));
        assertEquals("hostname: \"w\u00e9b\" may hold only letters, digits, '-' and '.'", refusal("w\u00e9b"));
    }

    @Test
    void podsOwnHostnameWins() {
        assertEquals("db", Hostname.forPod("db", "postgres-0"));
    }

    @Test
    void emptyHostnameDefaultsToThePodName() {
        assertEquals("postgres-0", Hostname.forPod("", "postgres-0"));
    }

    @Test
    void aLongPodNameIsCutAsKubeletCutsIt() {
        String name = "a".repeat(62) + "-b-c";
        assertEquals("a".repeat(62), Hostname.forPod("", name));
        String dotted = "a".repeat(62) + ".bcd";
        assertEquals("a".repeat(62), Hostname.forPod("", dotted));
        assertEquals("a".repeat(61) + ".b", Hostname.forPod("", "a".repeat(61) + ".bcd"));
        assertEquals("a".repeat(63), Hostname.forPod("", "a".repeat(100)));
    }

    @Test
    void anInvalidDefaultIsStillRefused() {
        assertThrows(IllegalArgumentException.class, () -> Hostname.forPod("", ""));
        assertThrows(IllegalArgumentException.class, () -> Hostname.forPod("", "bad_name"));
        assertThrows(IllegalArgumentException.class, () -> Hostname.forPod("bad name", "pod"));
    }

    @Test
    void hostNetworkPodsDefaultToTheNodesHostname() {
        assertEquals("node-1", Hostname.forHostNetworkPod("", "node-1"));
        assertEquals("custom", Hostname.forHostNetworkPod("custom", "node-1"));
    }

    @Test
    void hostnameFileIsTheHostnameAndANewline() {
        assertEquals("web-0\n", HostnameFile.content("web-0"));
        assertThrows(IllegalArgumentException.class, () -> HostnameFile.content("web-0\nevil"));
    }
}
