package dev.jcri.sandbox.sweep;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import dev.jcri.sandbox.container.OciRuntime;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class OrphanRemovalsTest {
    private static final String ID = "d".repeat(64);

    @TempDir
    Path dir;

    /** A runtime whose delete always fails, as crun's does for a container it no longer has. */
    private OciRuntime refusing() {
        return new OciRuntime("crun", Path.of("/bin/false"), dir.resolve("runtime"), Duration.ofSeconds(10));
    }

    @Test
    void runtimeStateAContainersRemovalDeletedMeanwhileIsNotCounted() throws Exception {
        Map<String, Integer> removed = new HashMap<>();
        OrphanSweep.Seen.Entry state =
                new OrphanSweep.Seen.Entry("runtime_state", ID, dir.resolve("runtime/" + ID), true, refusing());

        OrphanRemovals.removeRuntimeState(state, removed);

        assertEquals(Map.of(), removed);
    }

    @Test
    void runtimeStateTheRuntimeCannotReadGoesAsFiles() throws Exception {
        Map<String, Integer> removed = new HashMap<>();
        Path left = Files.createDirectories(dir.resolve("runtime/" + ID));
        Files.writeString(left.resolve("status"), "half");
        OrphanSweep.Seen.Entry state = new OrphanSweep.Seen.Entry("runtime_state", ID, left, true, refusing());

        OrphanRemovals.removeRuntimeState(state, removed);

        assertFalse(Files.exists(left));
        assertEquals(Map.of("runtime_state", 1), removed);
    }

    @Test
    void aCgroupRemovedMeanwhileIsNotCounted() throws Exception {
        Map<String, Integer> removed = new HashMap<>();
        Path cgroup = Files.createDirectories(dir.resolve("cgroup/conmon-" + ID));

        OrphanRemovals.removeCgroup(new OrphanSweep.Seen.Entry("conmon_cgroup", ID, cgroup, true, null), removed);
        OrphanRemovals.removeCgroup(new OrphanSweep.Seen.Entry("conmon_cgroup", ID, cgroup, true, null), removed);

        assertEquals(Map.of("conmon_cgroup", 1), removed);
    }
}
