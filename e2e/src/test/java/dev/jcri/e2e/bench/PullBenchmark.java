package dev.jcri.e2e.bench;

import dev.jcri.cri.v1.ImageSpec;
import dev.jcri.cri.v1.PullImageRequest;
import dev.jcri.cri.v1.RemoveImageRequest;
import dev.jcri.e2e.JcriProcess;
import dev.jcri.e2e.registry.LocalRegistry;
import dev.jcri.e2e.registry.OciImage;
import dev.jcri.e2e.registry.OciImageBuilder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * Pull throughput from a registry on 127.0.0.1: an image of {@code jcri.bench.layers} layers of
 * {@code jcri.bench.layerMiB} MiB of incompressible data each, pulled cold (nothing in the store) and warm (every
 * layer present). Prints figures; never fails on time. Run with {@code make bench}.
 */
@EnabledIfSystemProperty(named = "jcri.bench", matches = "true")
class PullBenchmark {
    private static final int RUNS = Integer.getInteger("jcri.bench.runs", 5);

    @Test
    void pullColdAndWarm() throws Exception {
        int layers = Integer.getInteger("jcri.bench.layers", 5);
        int layerMiB = Integer.getInteger("jcri.bench.layerMiB", 8);
        OciImage image =
                OciImageBuilder.busyboxWithRandomLayers(layers, layerMiB, 42).build();
        try (LocalRegistry registry = LocalRegistry.start()) {
            registry.pusher().push("bench/big", "1", image);
            Path dir = JcriProcess.newStateDir();
            Files.writeString(dir.resolve("registries.conf"), """
                    [[registry]]
                    prefix = "%1$s"
                    location = "%1$s"
                    insecure = true
                    """.formatted(registry.hostPort()));
            try (JcriProcess jcri = JcriProcess.start(dir, List.of("--log-level", "info"))) {
                String reference = registry.hostPort() + "/bench/big:1";
                pull(jcri, reference);
                remove(jcri, reference);
                List<Long> cold = new ArrayList<>();
                List<Long> warm = new ArrayList<>();
                for (int run = 0; run < RUNS; run++) {
                    cold.add(pull(jcri, reference));
                    warm.add(pull(jcri, reference));
                    remove(jcri, reference);
                }
                double mib = layers * (double) layerMiB + 1;
                System.out.printf("pull benchmark: %d layers x %d MiB (+ busybox), %d runs%n", layers, layerMiB, RUNS);
                System.out.printf(
                        "  cold: median %d ms, min %d ms, %.0f MiB/s at the median%n",
                        median(cold), Collections.min(cold), mib / (median(cold) / 1000.0));
                System.out.printf("  warm: median %d ms, min %d ms%n", median(warm), Collections.min(warm));
            }
        }
    }

    private static long pull(JcriProcess jcri, String reference) {
        long start = System.nanoTime();
        jcri.images()
                .pullImage(PullImageRequest.newBuilder()
                        .setImage(ImageSpec.newBuilder().setImage(reference))
                        .build());
        return (System.nanoTime() - start) / 1_000_000;
    }

    private static void remove(JcriProcess jcri, String reference) {
        jcri.images()
                .removeImage(RemoveImageRequest.newBuilder()
                        .setImage(ImageSpec.newBuilder().setImage(reference))
                        .build());
    }

    private static long median(List<Long> values) {
        List<Long> sorted = new ArrayList<>(values);
        Collections.sort(sorted);
        return sorted.get(sorted.size() / 2);
    }
}
