package dev.jcri.sandbox.pod;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HostsFileTest {
    private static final String LOCALHOST = """
            # jcri-managed hosts file.
            127.0.0.1\tlocalhost
            ::1\tlocalhost ip6-localhost ip6-loopback
            fe00::0\tip6-localnet
            ff00::0\tip6-mcastprefix
            ff02::1\tip6-allnodes
            ff02::2\tip6-allrouters
            """;

    @Test
    void podWithoutIpsYetGetsTheLocalhostLines() {
        assertEquals(LOCALHOST, HostsFile.forPod("web-0", List.of()));
    }

    @Test
    void eachPodIpNamesTheHostname() {
        assertEquals(
                LOCALHOST + "10.244.0.12\tweb-0\nfd00:10:244::c\tweb-0\n",
                HostsFile.forPod("web-0", List.of("10.244.0.12", "fd00:10:244::c")));
    }

    @Test
    void aRepeatedIpIsWrittenOnce() {
        assertEquals(
                LOCALHOST + "10.244.0.12\tweb-0\n", HostsFile.forPod("web-0", List.of("10.244.0.12", "10.244.0.12")));
    }

    @Test
    void invalidHostnamesAndIpsAreRefused() {
        assertTrue(assertThrows(IllegalArgumentException.class, () -> HostsFile.forPod("web 0", List.of()))
                .getMessage()
                .startsWith("hostname: "));
        assertEquals(
                "pod IP \"10.0.0.1\\n6.6.6.6 evil\" is not an IPv4 or IPv6 address",
                assertThrows(
                                IllegalArgumentException.class,
                                () -> HostsFile.forPod("web-0", List.of("10.0.0.1\n6.6.6.6 evil")))
                        .getMessage());
    }

    @Test
    void hostNetworkPodsGetACopyOfTheHostsFile(@TempDir Path dir) throws IOException {
        Path host = dir.resolve("hosts");
        String content = "127.0.0.1 localhost\n192.168.1.10 node-1.example node-1\n";
        Files.writeString(host, content);
        assertEquals(content, HostsFile.fromHost(host));
    }

    @Test
    void aHostWithoutAHostsFileStillGetsLocalhost(@TempDir Path dir) throws IOException {
        assertEquals(LOCALHOST, HostsFile.fromHost(dir.resolve("missing")));
    }
}
