package dev.jcri.sandbox.stats;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Optional;
import org.junit.jupiter.api.Test;

class PressureTest {

    @Test
    void parsesSomeAndFull() {
        Pressure p = Pressure.parse("some avg10=0.31 avg60=0.12 avg300=0.04 total=1785219\n"
                + "full avg10=0.00 avg60=0.01 avg300=0.00 total=120\n");
        assertEquals(new Pressure.Stall(1785219, 0.31, 0.12, 0.04), p.some().orElseThrow());
        assertEquals(new Pressure.Stall(120, 0.0, 0.01, 0.0), p.full().orElseThrow());
    }

    @Test
    void oldKernelCpuPressureHasOnlySome() {
        Pressure p = Pressure.parse("some avg10=0.00 avg60=0.00 avg300=0.00 total=0\n");
        assertTrue(p.known());
        assertEquals(Optional.empty(), p.full());
    }

    @Test
    void missingOrGarbledIsUnknown() {
        assertFalse(Pressure.parse(null).known());
        assertFalse(Pressure.parse("").known());
        assertFalse(Pressure.parse("some avg10=x avg60=0 avg300=0 total=1\nfull total=3\n")
                .known());
    }
}
