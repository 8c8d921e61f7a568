package dev.jcri.e2e;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.ThreadLocalRandom;

/**
 * A CNI network of a test's own: a bridge and a /24 no other test or runtime on the host uses, with host-local
 * allocations kept in the test's state dir so that a test can check every IP was released.
 */
public record TestNetwork(String bridge, String subnetPrefix, Path ipamDir) {

    public static TestNetwork create(Path stateDir) throws IOException {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        String bridge =
                "jcrt" + Integer.toHexString(0x10000 + random.nextInt(0xf0000)).substring(0, 5);
        String prefix = "10.254." + random.nextInt(1, 254);
        TestNetwork network = new TestNetwork(bridge, prefix, stateDir.resolve("ipam"));
        Files.writeString(
                stateDir.resolve("cni/net.d/10-test.conflist"), """
                {"cniVersion": "1.0.0", "name": "jcri-e2e",
                 "plugins": [
                   {"type": "bridge", "bridge": "%s", "isGateway": true, "ipMasq": false,
                    "ipam": {"type": "host-local", "ranges": [[{"subnet": "%s.0/24"}]], "dataDir": "%s"}},
                   {"type": "portmap", "capabilities": {"portMappings": true}}
                 ]}
                """.formatted(bridge, prefix, network.ipamDir()));
        return network;
    }

    /** IP allocation files host-local still holds (its lock and last-reserved markers aside). */
    public long allocations() throws IOException {
        Path dir = ipamDir.resolve("jcri-e2e");
        if (!Files.isDirectory(dir)) {
            return 0;
        }
        try (var files = Files.list(dir)) {
            return files.map(p -> p.getFileName().toString())
                    .filter(n -> !n.equals("lock") && !n.startsWith("last_reserved_ip"))
                    .count();
        }
    }

    /** Deletes the bridge; the CNI bridge plugin leaves it behind by design. */
    public void removeBridge() throws IOException, InterruptedException {
        new ProcessBuilder("ip", "link", "del", bridge)
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .start()
                .waitFor();
    }
}
