package dev.jcri.server.play;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.fabric8.kubernetes.api.model.Pod;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** Bad manifests are refused with the object and field named, before anything is created. */
class ManifestReaderTest {
    private static final String POD = """
            apiVersion: v1
            kind: Pod
            metadata:
              name: p
            spec:
              containers:
              - name: c
                image: busybox:1.36
            """;

    private static String error(String manifest) {
        return assertThrows(PlayException.class, () -> check(manifest)).getMessage();
    }

    private static void check(String manifest) throws PlayException {
        Manifests manifests = new ManifestReader().read(manifest);
        for (Pod pod : manifests.pods()) {
            PodDefaults.apply(pod);
            new VolumeMaterialiser(Path.of("/nonexistent")).check(pod, manifests);
        }
    }

    @Test
    void unknownFieldIsNamedWithItsPath() {
        assertEquals(
                "document 1 (v1 Pod \"p\"): spec.containers[0].imagePullPolcy: unknown field",
                error(POD + "    imagePullPolcy: Always\n"));
    }

    @Test
    void otherKindsAreRefused() {
        assertEquals(
                "document 2 (apps/v1 Deployment \"d\"): jcri play runs v1 Pods and reads the v1 ConfigMaps and"
                        + " Secrets they use; this kind is not supported",
                error(POD + "---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d}\n"));
    }

    @Test
    void syntaxErrorsAndEmptyStreams() {
        assertEquals("manifest holds no v1 Pod", error("---\n"));
        assertEquals(
                "document 1 (v1 Pod \"p\"): spec.containers[0].ports[0].containerPort: Cannot deserialize value of"
                        + " type `java.lang.Integer` from String \"http\": not a valid `java.lang.Integer` value",
                error(POD + "    ports: [{containerPort: http}]\n"));
    }

    @Test
    void referencesMustBeInTheManifest() {
        assertEquals(
                "pod \"default/p\": spec.volumes[0].configMap.name: configmap \"default/cfg\" is not in the manifest",
                error(POD + "  volumes:\n  - name: v\n    configMap: {name: cfg}\n"));
        assertEquals(
                "pod \"default/p\": spec.volumes[0]: volume \"v\": only emptyDir, configMap, secret and hostPath"
                        + " volumes are supported by jcri play",
                error(POD + "  volumes:\n  - name: v\n    nfs: {server: s, path: /x}\n"));
        assertEquals(
                "pod \"default/p\": spec.volumes[0].hostPath: hostPath type check failed: /nonexistent/x is not a"
                        + " directory",
                error(POD + "  volumes:\n  - name: v\n    hostPath: {path: /nonexistent/x, type: Directory}\n"));
    }

    @Test
    void fileModesWithALeadingZeroAreOctalAsKubectlReadsThem() throws PlayException {
        Pod pod = new ManifestReader()
                .read(POD + "  volumes:\n  - name: v\n    secret: {secretName: s, defaultMode: 0400,"
                        + " items: [{key: k, path: p, mode: 0755}]}\n  - name: w\n    configMap:\n      name: c\n"
                        + "      defaultMode: 420\n")
                .pods()
                .getFirst();
        assertEquals(0400, pod.getSpec().getVolumes().get(0).getSecret().getDefaultMode());
        assertEquals(
                0755,
                pod.getSpec().getVolumes().get(0).getSecret().getItems().get(0).getMode());
        assertEquals(0644, pod.getSpec().getVolumes().get(1).getConfigMap().getDefaultMode());
    }

    @Test
    void duplicatesAreRefused() {
        assertEquals("pod \"default/p\" appears twice in the manifest", error(POD + "---\n" + POD));
    }

    @Test
    void uidFollowsFromTheObject() throws PlayException {
        Pod a = new ManifestReader().read(POD).pods().getFirst();
        Pod b = new ManifestReader().read(POD).pods().getFirst();
        Pod c = new ManifestReader().read(POD.replace("1.36", "1.37")).pods().getFirst();
        PodDefaults.apply(a);
        PodDefaults.apply(b);
        PodDefaults.apply(c);
        assertEquals(a.getMetadata().getUid(), b.getMetadata().getUid());
        assertNotEquals(a.getMetadata().getUid(), c.getMetadata().getUid());
    }
}
