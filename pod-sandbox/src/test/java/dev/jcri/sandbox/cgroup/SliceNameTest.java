package dev.jcri.sandbox.cgroup;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class SliceNameTest {

    @Test
    void expandsEveryDashIntoAParentSlice() {
        assertEquals(
                "/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod1_2.slice",
                SliceName.cgroupPath("kubepods-burstable-pod1_2.slice"));
        assertEquals("/jcri.slice", SliceName.cgroupPath("jcri.slice"));
        assertEquals("/a.slice/a-b.slice", SliceName.cgroupPath("a-b.slice"));
    }

    @Test
    void refusesWhatSystemdRefuses() {
        assertTrue(SliceName.isValid("kubepods-besteffort-pod0a1b.slice"));
        for (String bad : new String[] {
            "-.slice",
            ".slice",
            "a--b.slice",
            "-a.slice",
            "a-.slice",
            "a.scope",
            "/kubepods.slice",
            "a/b.slice",
            "a b.slice",
            "kubepods",
            ""
        }) {
            assertFalse(SliceName.isValid(bad), bad);
        }
        assertThrows(IllegalArgumentException.class, () -> SliceName.cgroupPath("/jcri"));
    }
}
