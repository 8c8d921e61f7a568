package dev.jcri.sandbox.stats;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import dev.jcri.sandbox.cgroup.CgroupParent;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The v1 and v2 readers over recorded cgroupfs trees (v1 recorded from a container on a Debian 12 host). */
class CgroupUsageReaderTest {

    private static Path tree(String name) throws URISyntaxException {
        return Path.of(CgroupUsageReaderTest.class.getResource(name).toURI());
    }

    @Test
    void readsCgroupV1() throws Exception {
        Path root = tree("cgroup-v1");
        CgroupUsageReader reader = new CgroupUsageReader.V1(Map.of(
                "cpuacct", root.resolve("cpuacct"), "memory", root.resolve("memory"), "pids", root.resolve("pids")));
        CgroupUsage usage = reader.read("/kubepods/pod1/ctr1");
        assertEquals(16699763, usage.cpuNanos());
        assertEquals(344064, usage.memoryUsage());
        assertEquals(344064 - 61440, usage.workingSet());
        assertEquals(61440, usage.rss());
        assertEquals(672, usage.pageFaults());
        assertEquals(1, usage.majorPageFaults());
        assertEquals(CgroupUsage.UNKNOWN, usage.memoryLimit(), "v1's 'unlimited' is no limit");
        assertEquals(1, usage.processes());
        assertEquals(0, usage.oomKills());
    }

    @Test
    void readsCgroupV2() throws Exception {
        CgroupUsage usage = new CgroupUsageReader.V2(tree("cgroup-v2")).read("/kubepods/pod1/ctr1");
        assertEquals(2_500_000_000L, usage.cpuNanos());
        assertEquals(73400320, usage.memoryUsage());
        assertEquals(73400320 - 12582912, usage.workingSet());
        assertEquals(52428800, usage.rss());
        assertEquals(14000, usage.pageFaults());
        assertEquals(3, usage.majorPageFaults());
        assertEquals(134217728, usage.memoryLimit());
        assertEquals(4, usage.processes());
        assertEquals(1, usage.oomKills());
    }

    @Test
    void readsASystemdScopeThroughItsContainerChildWithPressure() throws Exception {
        String id = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
        String cgroup = CgroupParent.containerCgroup("kubepods-burstable-pod1.slice", id);
        CgroupUsage usage = new CgroupUsageReader.V2(tree("cgroup-v2")).read(cgroup);
        assertEquals(1_200_000_000L, usage.cpuNanos(), "crun's container child, not the empty scope");
        assertEquals(8388608 - 1048576, usage.workingSet());
        assertEquals(33554432, usage.memoryLimit());
        assertEquals(2, usage.processes());
        assertEquals(1, usage.oomKills());
        assertEquals(
                new Pressure.Stall(123456, 1.5, 0.75, 0.2),
                usage.cpuPressure().some().orElseThrow());
        assertEquals(
                new Pressure.Stall(876543, 10.0, 4.0, 0.5),
                usage.memoryPressure().full().orElseThrow());
        assertEquals(4242, usage.ioPressure().some().orElseThrow().totalMicros());
        assertFalse(
                new CgroupUsageReader.V2(tree("cgroup-v2"))
                        .read("/kubepods/pod1/ctr1")
                        .cpuPressure()
                        .known(),
                "no pressure files: none reported");
    }

    @Test
    void missingFilesAreUnknownNotErrors() throws Exception {
        CgroupUsage v2 = new CgroupUsageReader.V2(tree("cgroup-v2")).read("/kubepods/pod1/unlimited");
        assertEquals(10_000, v2.cpuNanos());
        assertEquals(4096, v2.workingSet(), "no memory.stat: the working set is the usage");
        assertEquals(CgroupUsage.UNKNOWN, v2.memoryLimit(), "memory.max 'max'");
        assertEquals(CgroupUsage.UNKNOWN, v2.processes());
        assertEquals(CgroupUsage.NONE, new CgroupUsageReader.V2(tree("cgroup-v2")).read("/kubepods/pod1/gone"));
        assertEquals(CgroupUsage.NONE, new CgroupUsageReader.V1(Map.of()).read("/kubepods/pod1/ctr1"));
    }

    @Test
    void usageOfSeveralCgroupsAddsUp() {
        CgroupUsage a = new CgroupUsage(10, 100, 80, 50, 5, 1, 1000, 2, 0);
        CgroupUsage b = new CgroupUsage(5, 50, 40, CgroupUsage.UNKNOWN, 1, 0, 500, 1, 1);
        CgroupUsage sum = a.plus(b);
        assertEquals(15, sum.cpuNanos());
        assertEquals(120, sum.workingSet());
        assertEquals(50, sum.rss());
        assertEquals(3, sum.processes());
        assertEquals(CgroupUsage.UNKNOWN, sum.memoryLimit(), "a pod's limit is not the sum of its containers'");
    }

    @Test
    void procNetDevIsParsedWithoutTheLoopback() {
        String dev = """
                Inter-|   Receive                                                |  Transmit
                 face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed
                    lo:     120       2    0    0    0     0          0         0      120       2    0    0    0     0       0          0
                  eth0:     904      10    1    0    0     0          0         0      472       6    2    0    0     0       0          0
                """;
        assertEquals(java.util.List.of(new InterfaceCounters("eth0", 904, 1, 472, 2)), InterfaceCounters.parse(dev));
    }
}
