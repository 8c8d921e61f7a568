package dev.jcri.server.call;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import dev.jcri.cri.v1.ContainerConfig;
import dev.jcri.cri.v1.CreateContainerRequest;
import dev.jcri.cri.v1.ExecSyncRequest;
import dev.jcri.cri.v1.KeyValue;
import dev.jcri.cri.v1.Mount;
import dev.jcri.cri.v1.PodSandboxConfig;
import dev.jcri.cri.v1.PodSandboxMetadata;
import dev.jcri.cri.v1.RunPodSandboxRequest;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RequestLimitsTest {
    private static String message(com.google.protobuf.Message request) {
        return assertThrows(IllegalArgumentException.class, () -> RequestLimits.check(request))
                .getMessage();
    }

    @Test
    void aTypicalKubeletRequestPasses() {
        assertDoesNotThrow(() -> RequestLimits.check(RunPodSandboxRequest.newBuilder()
                .setConfig(PodSandboxConfig.newBuilder()
                        .setMetadata(PodSandboxMetadata.newBuilder()
                                .setName("web")
                                .setNamespace("default")
                                .setUid("u"))
                        .setLogDirectory("/var/log/pods/default_web_u")
                        .putLabels("app", "web")
                        // kubectl's last-applied-configuration can be large; the API allows 256 KiB in all.
                        .putAnnotations("kubectl.kubernetes.io/last-applied-configuration", "x".repeat(200 << 10)))
                .build()));
    }

    @Test
    void anOversizedStringIsRefusedNamingItsField() {
        String text = message(RunPodSandboxRequest.newBuilder()
                .setConfig(PodSandboxConfig.newBuilder()
                        .setMetadata(PodSandboxMetadata.newBuilder().setName("n".repeat(RequestLimits.MAX_STRING + 1))))
                .build());
        assertTrue(text.startsWith("config.metadata.name: "), text);
    }

    @Test
    void pathsAreBoundedByPathMax() {
        String text = message(CreateContainerRequest.newBuilder()
                .setConfig(ContainerConfig.newBuilder()
                        .addMounts(Mount.newBuilder().setContainerPath("/a"))
                        .addMounts(Mount.newBuilder().setHostPath("/" + "h".repeat(RequestLimits.MAX_PATH))))
                .build());
        assertTrue(text.startsWith("config.mounts[1].host_path: "), text);
    }

    @Test
    void argumentsMayBeLongButNotPastExecve() {
        assertDoesNotThrow(() -> RequestLimits.check(ExecSyncRequest.newBuilder()
                .addCmd("sh")
                .addCmd("x".repeat(100 << 10))
                .build()));
        assertTrue(message(ExecSyncRequest.newBuilder()
                        .addCmd("x".repeat(RequestLimits.MAX_ARGUMENT + 1))
                        .build())
                .startsWith("cmd[0]: "));
        String env = message(CreateContainerRequest.newBuilder()
                .setConfig(ContainerConfig.newBuilder()
                        .addEnvs(KeyValue.newBuilder()
                                .setKey("K")
                                .setValue(ByteString.copyFrom(new byte[RequestLimits.MAX_ARGUMENT + 1]))))
                .build());
        assertTrue(env.startsWith("config.envs[0].value: "), env);
    }

    @Test
    void mapsAreBoundedInEntriesAndInTotal() {
        Map<String, String> many = new HashMap<>();
        for (int i = 0; i <= RequestLimits.MAX_MAP_ENTRIES; i++) {
            many.put("k" + i, "v");
        }
        String text = message(RunPodSandboxRequest.newBuilder()
                .setConfig(PodSandboxConfig.newBuilder().putAllLabels(many))
                .build());
        assertTrue(text.startsWith("config.labels: 1001 entries"), text);

        PodSandboxConfig.Builder big = PodSandboxConfig.newBuilder();
        for (int i = 0; i < 3; i++) {
            big.putAnnotations("a" + i, "x".repeat(200 << 10));
        }
        String total = message(RunPodSandboxRequest.newBuilder().setConfig(big).build());
        assertTrue(total.startsWith("config.labels, annotations: "), total);

        String value = message(RunPodSandboxRequest.newBuilder()
                .setConfig(PodSandboxConfig.newBuilder().putLabels("k\n", "v".repeat(RequestLimits.MAX_STRING + 1)))
                .build());
        assertTrue(value.startsWith("config.labels[\"k\\n\"]: "), value);
    }

    @Test
    void longListsAreRefused() {
        ExecSyncRequest.Builder request = ExecSyncRequest.newBuilder();
        for (int i = 0; i <= RequestLimits.MAX_LIST_ELEMENTS; i++) {
            request.addCmd("a");
        }
        assertTrue(message(request.build()).startsWith("cmd: 10001 elements"));
    }

    @Test
    void noRequestWithinTheUnwalkedSizeBreaksABound() {
        // The densest ways past a bound: one character over the smallest string bound, and as many distinct map
        // keys as possible in as few bytes (empty values, one- and two-byte keys).
        assertTrue(PodSandboxConfig.newBuilder()
                        .setLogDirectory("/".repeat(RequestLimits.MAX_PATH + 1))
                        .build()
                        .getSerializedSize()
                > RequestLimits.WITHIN_EVERY_BOUND);
        PodSandboxConfig.Builder keys = PodSandboxConfig.newBuilder();
        for (int c = 0; keys.getLabelsCount() <= RequestLimits.MAX_MAP_ENTRIES; c++) {
            keys.putLabels(
                    c < 128 ? String.valueOf((char) c) : String.valueOf((char) (c % 128)) + (char) (c / 128), "");
        }
        assertTrue(keys.build().getSerializedSize() > RequestLimits.WITHIN_EVERY_BOUND);
    }
}
