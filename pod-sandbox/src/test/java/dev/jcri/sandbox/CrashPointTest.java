package dev.jcri.sandbox;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.junit.jupiter.api.Test;

class CrashPointTest {
    @Test
    void stepsAreNamedInKebabCase() {
        assertEquals("sandbox-cni-added", CrashPoint.Step.SANDBOX_CNI_ADDED.stepName());
        assertEquals(CrashPoint.Step.CONTAINER_CONMON_STARTED, CrashPoint.parseStep(" container-conmon-started "));
    }

    @Test
    void nothingSetArmsNothing() {
        assertNull(CrashPoint.parseStep(null));
        assertNull(CrashPoint.parseStep(""));
        assertEquals(Map.of(), CrashPoint.parseDelays(null));
        // This JVM has neither variable: reaching a step is a no-op.
        CrashPoint.reached(CrashPoint.Step.SANDBOX_READY_SAVED);
        assertEquals("", CrashPoint.armedDescription());
    }

    @Test
    void anUnknownStepIsRefusedNamingTheKnownOnes() {
        IllegalArgumentException e =
                assertThrows(IllegalArgumentException.class, () -> CrashPoint.parseStep("sandbox-cni-add"));
        assertTrue(e.getMessage().contains("sandbox-cni-added"), e.getMessage());
    }

    @Test
    void delaysAreStepMillisPairs() {
        assertEquals(
                Map.of(CrashPoint.Step.SANDBOX_CNI_ADDED, 1500L, CrashPoint.Step.CONTAINER_BUNDLE_WRITTEN, 20L),
                CrashPoint.parseDelays("sandbox-cni-added:1500,container-bundle-written:20"));
        assertThrows(IllegalArgumentException.class, () -> CrashPoint.parseDelays("sandbox-cni-added"));
    }
}
