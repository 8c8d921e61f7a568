package dev.jcri.e2e.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.jcri.e2e.Churn;
import dev.jcri.e2e.JcriProcess;
import dev.jcri.e2e.NodeLeaks;
import dev.jcri.e2e.TestNode;
import dev.jcri.e2e.registry.OciImageBuilder;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * The churn test at full size: {@code jcri.bench.churn.count} (default 1,000) pod + container
 * create/start/stop/remove cycles after 5 warm-up cycles. Prints per-cycle timings, the daemon's VmRSS and its live
 * heap after a full GC, before and after; fails only on a leak left on the node, never on a time or a memory
 * figure. Run with {@code make bench}.
 */
@EnabledIfSystemProperty(named = "jcri.bench", matches = "true")
class ChurnBenchmark {
    private static final int CYCLES = Integer.getInteger("jcri.bench.churn.count", 1000);

    @Test
    void thousandCycles() throws Exception {
        try (TestNode node = TestNode.start(
                true,
                (registry, dir) -> registry.pusher()
                        .push("bench/busybox", "1", OciImageBuilder.busybox().build()),
                registry -> List.of("--log-level", "info"))) {
            JcriProcess jcri = node.jcri();
            String image = node.pull("bench/busybox:1");
            Churn.Figures figures;
            try {
                figures = Churn.run(jcri, image, 5, CYCLES);
            } catch (Throwable t) {
                System.err.println("----- jcri log -----\n" + jcri.log() + "\n----- end of jcri log -----");
                throw t;
            }
            figures.print("churn benchmark");
            assertEquals(List.of(), NodeLeaks.of(jcri, node.network()), "nothing is left on the node");
        }
    }
}
