package dev.jcri.server.play;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jcri.cri.v1.AuthConfig;
import io.fabric8.kubernetes.api.model.Pod;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import org.junit.jupiter.api.Test;

/** Pull credentials from the pod's imagePullSecrets, matched by registry like kubelet's keyring. */
class ImagePullsTest {
    private static Manifests manifests(String image) throws PlayException {
        String config = "{\"auths\":{\"https://registry.example:5000/v1/\":{\"auth\":\""
                + Base64.getEncoder().encodeToString("alice:pw".getBytes(StandardCharsets.UTF_8))
                + "\"},\"index.docker.io\":{\"username\":\"bob\",\"password\":\"x\"}}}";
        return new ManifestReader().read("""
                        apiVersion: v1
                        kind: Secret
                        metadata: {name: pull}
                        type: kubernetes.io/dockerconfigjson
                        data:
                          .dockerconfigjson: %s
                        ---
                        apiVersion: v1
                        kind: Pod
                        metadata: {name: p}
                        spec:
                          imagePullSecrets: [{name: pull}]
                          containers: [{name: c, image: %s}]
                        """.formatted(
                        Base64.getEncoder().encodeToString(config.getBytes(StandardCharsets.UTF_8)), image));
    }

    @Test
    void theSecretEntryOfTheImagesRegistryIsUsed() throws PlayException {
        Manifests m = manifests("registry.example:5000/team/app:1");
        Pod pod = m.pods().getFirst();
        AuthConfig auth =
                ImagePulls.auth(pod, "registry.example:5000/team/app:1", m).orElseThrow();
        assertEquals("alice", auth.getUsername());
        assertEquals("pw", auth.getPassword());
        assertEquals("registry.example:5000", auth.getServerAddress());
        assertEquals(
                "bob", ImagePulls.auth(pod, "busybox:1.36", m).orElseThrow().getUsername());
        assertTrue(ImagePulls.auth(pod, "other.example/app:1", m).isEmpty());
    }
}
