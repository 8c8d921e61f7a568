package dev.jcri.sandbox.container;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Optional;
import org.junit.jupiter.api.Test;

class SignalNameTest {
    @Test
    void everyFormAnImageMayUseHasOneCanonicalName() {
        for (String form : new String[] {"SIGTERM", "TERM", "term", " SIGTERM ", "15"}) {
            assertEquals(Optional.of("SIGTERM"), SignalName.canonical(form), form);
        }
        assertEquals(Optional.of("SIGRTMIN+3"), SignalName.canonical("SIGRTMIN+3"));
        assertEquals(Optional.of("SIGRTMIN+3"), SignalName.canonical("RTMIN+3"));
        assertEquals(Optional.of("SIGRTMIN+3"), SignalName.canonical("37"));
        assertEquals(Optional.of("SIGRTMAX-1"), SignalName.canonical("63"));
        assertEquals(Optional.of("SIGRTMAX-14"), SignalName.canonical("SIGRTMIN+16"));
        assertEquals(Optional.of("SIGABRT"), SignalName.canonical("SIGIOT"));
        assertEquals(Optional.of("SIGCHLD"), SignalName.canonical("CLD"));
        assertEquals(Optional.of("SIGWINCH"), SignalName.canonical("SIGWINCH"));
    }

    @Test
    void valuesThatNameNoSignalAreEmpty() {
        for (String bad :
                new String[] {"", "SIGNOPE", "0", "65", "99999999999", "SIGRTMIN+31", "SIGRTMAX-31", "RTMIN+x"}) {
            assertEquals(Optional.empty(), SignalName.canonical(bad), bad);
        }
    }

    @Test
    void numbersFollowLinux() {
        assertEquals(Optional.of(15), SignalName.number("SIGTERM"));
        assertEquals(Optional.of(37), SignalName.number("SIGRTMIN+3"));
        assertEquals(Optional.of(64), SignalName.number("SIGRTMAX"));
    }
}
