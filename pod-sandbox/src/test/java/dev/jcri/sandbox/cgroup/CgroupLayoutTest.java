package dev.jcri.sandbox.cgroup;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

class CgroupLayoutTest {
    private static final List<String> HYBRID = List.of(
            "25 31 0:23 / /sys rw,nosuid,nodev,noexec,relatime shared:7 - sysfs sysfs rw",
            "30 25 0:27 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755",
            "31 30 0:28 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu",
            "32 30 0:29 / /sys/fs/cgroup/memory rw,nosuid,nodev,noexec,relatime - cgroup cgroup rw,memory",
            "33 30 0:30 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,xattr,name=systemd",
            "34 30 0:31 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw,nsdelegate");

    @Test
    void hybridHostWithHugetlbInTheV2TreeNeedsItMountedAsV1() {
        CgroupLayout layout = CgroupLayout.parse(HYBRID, Set.of("hugetlb"));
        assertEquals(CgroupLayout.Kind.HYBRID, layout.kind());
        assertEquals(Optional.of(Path.of("/sys/fs/cgroup/unified")), layout.v2Mount());
        assertEquals(Path.of("/sys/fs/cgroup/memory"), layout.v1Hierarchies().get("memory"));
        assertEquals(Path.of("/sys/fs/cgroup/systemd"), layout.v1Hierarchies().get("name=systemd"));
        assertEquals(List.of("hugetlb"), layout.controllersBlockingHybrid());
    }

    @Test
    void hybridHostWithAnEmptyV2TreeNeedsNothing() {
        assertEquals(List.of(), CgroupLayout.parse(HYBRID, Set.of()).controllersBlockingHybrid());
    }

    @Test
    void unifiedHost() {
        CgroupLayout layout = CgroupLayout.parse(
                List.of("30 25 0:27 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime - cgroup2 cgroup2 rw,nsdelegate"),
                Set.of("cpu", "memory", "pids"));
        assertEquals(CgroupLayout.Kind.UNIFIED, layout.kind());
        assertEquals(List.of(), layout.controllersBlockingHybrid());
    }

    @Test
    void legacyHostAndEscapedMountPoints() {
        CgroupLayout layout = CgroupLayout.parse(
                List.of("31 30 0:28 / /sys/fs/cgroup/cpu\\040x rw,relatime - cgroup cgroup rw,cpu,cpuacct"), Set.of());
        assertEquals(CgroupLayout.Kind.LEGACY, layout.kind());
        assertEquals(Path.of("/sys/fs/cgroup/cpu x"), layout.v1Hierarchies().get("cpuacct"));
    }
}
