package dev.jcri.server.play;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.Message;
import com.google.protobuf.TextFormat;
import dev.jcri.cri.v1.ContainerConfig;
import dev.jcri.cri.v1.PodSandboxConfig;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.Pod;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The corpus under {@code src/test/resources/play}: each {@code NAME.yaml} manifest against the requests kubelet
 * would send for it, written down by hand from kubelet's behaviour: {@code NAME.sandbox.txtpb} (RunPodSandbox's
 * config) and {@code NAME.CONTAINER.txtpb} (CreateContainer's config of each container, init containers too). The
 * node is {@link #NODE}; the image answered {@code sha256:img} and runs as root; the pod got {@code 10.88.0.5}.
 */
class PodTranslationTest {
    static final NodeFacts NODE = new NodeFacts(
            "node-1",
            "192.0.2.10",
            4,
            8L << 30,
            PodDns.ResolvConf.parse("nameserver 192.0.2.53\nsearch example.com.\noptions edns0\n"),
            List.of(),
            "cluster.local",
            NodeFacts.KUBELET_POD_LOGS,
            NodeFacts.KUBELET_SECCOMP_ROOT);
    static final ContainerEnvironment.PodFacts POD_FACTS = new ContainerEnvironment.PodFacts(
            "10.88.0.5", List.of("10.88.0.5"), NODE.hostIp(), NODE.nodeName(), NODE.cpus(), NODE.memoryCapacity());
    static final Path STATE = Path.of("/var/lib/jcri-play");
    static final long USERNS_BASE = 65536L * 7;

    @ParameterizedTest
    @ValueSource(
            strings = {
                "minimal",
                "resources",
                "host-namespaces",
                "security",
                "environment",
                "volumes",
                "dns-none",
                "docs-init-containers"
            })
    void translatesAsKubeletDoes(String name) throws Exception {
        Manifests manifests = new ManifestReader().read(resource(name + ".yaml"));
        Pod pod = manifests.pods().getFirst();
        PodDefaults.apply(pod);
        PodSandboxConfig sandbox = new PodTranslation(NODE).sandbox(pod, 0, USERNS_BASE);
        assertEquals(expected(name + ".sandbox.txtpb", PodSandboxConfig.newBuilder()), sandbox, name + " sandbox");

        VolumeMaterialiser volumes = new VolumeMaterialiser(STATE);
        Path podDir = volumes.podDir(pod.getMetadata().getUid());
        List<Container> containers = new ArrayList<>(pod.getSpec().getInitContainers());
        containers.addAll(pod.getSpec().getContainers());
        for (int i = 0; i < containers.size(); i++) {
            Container c = containers.get(i);
            boolean init = i < pod.getSpec().getInitContainers().size();
            String field = init
                    ? "spec.initContainers[" + i + "]"
                    : "spec.containers["
                            + (i - pod.getSpec().getInitContainers().size()) + "]";
            Map<String, String> env = ContainerEnvironment.resolve(pod, c, field, manifests, POD_FACTS);
            ContainerTranslation.HostFiles files = new ContainerTranslation.HostFiles(
                    volumes.layout(pod),
                    podDir.resolve("etc-hosts"),
                    podDir.resolve("containers").resolve(c.getName()).resolve("termlog"));
            ContainerConfig config = new ContainerTranslation(NODE)
                    .container(
                            pod,
                            c,
                            field,
                            0,
                            "sha256:img",
                            ContainerTranslation.ImageUser.ROOT,
                            env,
                            files,
                            USERNS_BASE);
            String hash = config.getAnnotationsOrThrow("io.kubernetes.container.hash");
            assertTrue(hash.matches("[0-9a-f]{1,8}"), hash);
            ContainerConfig withoutHash = config.toBuilder()
                    .removeAnnotations("io.kubernetes.container.hash")
                    .build();
            assertEquals(
                    expected(name + "." + c.getName() + ".txtpb", ContainerConfig.newBuilder()),
                    withoutHash,
                    name + " container " + c.getName());
        }
    }

    static String resource(String name) throws IOException {
        try (InputStream in = PodTranslationTest.class.getResourceAsStream("/play/" + name)) {
            if (in == null) {
                throw new IOException("no test resource play/" + name);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    @SuppressWarnings("unchecked")
    private static <T extends Message> T expected(String file, Message.Builder builder) throws IOException {
        TextFormat.merge(resource(file), builder);
        return (T) builder.build();
    }
}
