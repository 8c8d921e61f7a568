package dev.jcri.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jcri.cri.v1.ListContainersRequest;
import dev.jcri.cri.v1.ListPodSandboxRequest;
import dev.jcri.e2e.registry.OciImageBuilder;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@code jcri.churn.count} (default 50) pod + container create/start/stop/remove cycles, then: nothing left on the
 * node (mounts, pins, cgroups, conmon, IPs, records, runtime state) and no gross memory growth. The full-size run
 * (1,000 cycles, with timings) is {@code bench.ChurnBenchmark}.
 */
class ChurnTest {
    private static final int CYCLES = Integer.getInteger("jcri.churn.count", 50);
    /**
     * Live heap growth after a full GC that counts as a leak: a cycle's own state (two records, a few strings and
     * maps) is a few KiB, so 64 MiB over 50 cycles (over 1 MiB kept per cycle) cannot be a cache filling up.
     */
    private static final long HEAP_GROWTH_LIMIT_KIB = 64 * 1024;
    /**
     * VmRSS growth that counts as a gross leak. RSS may legitimately grow while the JVM touches heap it reserved
     * at start (its initial heap is 1/64 of RAM) and as the JIT compiles, which is why the live heap above is
     * the finer check; 200 MiB on top of the ~100 MiB idle daemon is beyond that.
     */
    private static final long RSS_GROWTH_LIMIT_KIB = 200 * 1024;

    private static TestNode node;
    private static String image;

    @RegisterExtension
    final DumpLogOnFailure dumpLog = new DumpLogOnFailure(() -> node == null ? null : node.jcri());

    @BeforeAll
    static void start() throws Exception {
        // info, not the harness's debug: the log of hundreds of cycles is not what is measured.
        node = TestNode.start(
                true,
                (registry, dir) -> registry.pusher()
                        .push("test/busybox", "1", OciImageBuilder.busybox().build()),
                registry -> List.of("--log-level", "info"));
        image = node.pull("test/busybox:1");
    }

    @AfterAll
    static void stop() throws Exception {
        if (node != null) {
            node.close();
        }
    }

    @Test
    void cyclesLeaveNothingBehindAndMemoryStaysFlat() throws Exception {
        JcriProcess jcri = node.jcri();
        Churn.Figures figures = Churn.run(jcri, image, 3, CYCLES);
        figures.print("churn test");

        assertEquals(
                0,
                jcri.runtime()
                        .listPodSandbox(ListPodSandboxRequest.getDefaultInstance())
                        .getItemsCount());
        assertEquals(
                0,
                jcri.runtime()
                        .listContainers(ListContainersRequest.getDefaultInstance())
                        .getContainersCount());
        // The last removal's teardown (bundle, conmon) may still run after its answer, in the background.
        List<String> leaks = NodeLeaks.of(jcri, node.network());
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(Slowdown.seconds(10));
        while (!leaks.isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(50);
            leaks = NodeLeaks.of(jcri, node.network());
        }
        assertEquals(List.of(), leaks, "nothing is left on the node");
        if (figures.heapBeforeKib() >= 0 && figures.heapAfterKib() >= 0) {
            assertTrue(
                    figures.heapAfterKib() - figures.heapBeforeKib() < HEAP_GROWTH_LIMIT_KIB,
                    "live heap grew by " + (figures.heapAfterKib() - figures.heapBeforeKib()) + " KiB");
        }
        assertTrue(
                figures.rssAfterKib() - figures.rssBeforeKib() < RSS_GROWTH_LIMIT_KIB,
                "RSS grew by " + (figures.rssAfterKib() - figures.rssBeforeKib()) + " KiB");
        assertTrue(jcri.process().isAlive());
    }
}
