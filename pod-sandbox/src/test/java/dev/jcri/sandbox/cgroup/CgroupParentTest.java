package dev.jcri.sandbox.cgroup;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** How cgroups are named in each driver's form of parent, and which parents each driver takes. */
class CgroupParentTest {
    private static final String ID = "a".repeat(64);
    private final CgroupDriver cgroupfs = new CgroupfsDriver(List.of());
    private final CgroupDriver systemd =
            new SystemdDriver(new SystemdUnits("unix:path=/nonexistent"), Duration.ofSeconds(1));

    @Test
    void cgroupsPathPerForm() {
        assertEquals(
                "kubepods-burstable-pod1.slice:jcri:" + ID,
                CgroupParent.cgroupsPath("kubepods-burstable-pod1.slice", ID));
        assertEquals("/kubepods/burstable/pod1/" + ID, CgroupParent.cgroupsPath("/kubepods/burstable/pod1", ID));
        assertEquals("/" + ID, CgroupParent.cgroupsPath("/", ID));
    }

    @Test
    void containerCgroupIsTheScopeInTheExpandedSlice() {
        assertEquals(
                "/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod1.slice/jcri-" + ID + ".scope",
                CgroupParent.containerCgroup("kubepods-burstable-pod1.slice", ID));
        assertEquals("/jcri/" + ID, CgroupParent.containerCgroup("/jcri", ID));
        assertEquals("/jcri/conmon-" + ID, CgroupParent.conmonCgroup("/jcri", ID));
        assertEquals("jcri-conmon-" + ID + ".scope", CgroupParent.conmonScope(ID));
    }

    @Test
    void eachDriverTakesOnlyItsOwnForm() {
        assertDoesNotThrow(() -> systemd.checkParent("kubepods-burstable-pod1.slice"));
        assertDoesNotThrow(() -> cgroupfs.checkParent("/kubepods/burstable/pod1"));
        String path = assertThrows(IllegalArgumentException.class, () -> systemd.checkParent("/kubepods/pod1"))
                .getMessage();
        assertTrue(path.startsWith("linux.cgroup_parent:") && path.contains("cgroup_manager is systemd"), path);
        String slice = assertThrows(IllegalArgumentException.class, () -> cgroupfs.checkParent("kubepods-pod1.slice"))
                .getMessage();
        assertTrue(slice.startsWith("linux.cgroup_parent:") && slice.contains("cgroup_manager is cgroupfs"), slice);
        for (String bad : new String[] {"relative/x", "/a/../b", "/a/.", ""}) {
            assertThrows(IllegalArgumentException.class, () -> cgroupfs.checkParent(bad), bad);
        }
        assertThrows(IllegalArgumentException.class, () -> systemd.checkParent("a--b.slice"));
    }

    @Test
    void systemdRunsTheRuntimeWithItsCgroupFlag() {
        assertEquals(List.of("--systemd-cgroup"), systemd.runtimeFlags());
        assertEquals(List.of(), cgroupfs.runtimeFlags());
    }

    @Test
    void unreachableSystemdIsUnavailableNamingSystemd() {
        SystemdUnavailableException e = assertThrows(
                SystemdUnavailableException.class,
                () -> systemd.placeConmon(
                        "jcri.slice", ID, ProcessHandle.current().pid()));
        assertTrue(e.getMessage().contains("systemd"), e.getMessage());
    }
}
