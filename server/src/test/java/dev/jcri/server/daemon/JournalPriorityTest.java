package dev.jcri.server.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class JournalPriorityTest {
    @Test
    void levelsMapToSyslogPriorities() {
        assertEquals("<3>", JournalPriority.prefix(Level.ERROR));
        assertEquals("<4>", JournalPriority.prefix(Level.WARN));
        assertEquals("<6>", JournalPriority.prefix(Level.INFO));
        assertEquals("<7>", JournalPriority.prefix(Level.DEBUG));
        assertEquals("<7>", JournalPriority.prefix(Level.TRACE));
    }

    @Test
    void journalOnlyWhenStderrIsTheStreamSystemdNamed(@TempDir Path dir) throws Exception {
        Path stream = Files.createFile(dir.resolve("stream"));
        Map<String, Object> stat = Files.readAttributes(stream, "unix:dev,ino");
        String named = stat.get("dev") + ":" + stat.get("ino");

        assertTrue(JournalPriority.stderrIsJournal(named, stream));
        assertFalse(JournalPriority.stderrIsJournal(stat.get("dev") + ":" + ((long) stat.get("ino") + 1), stream));
        assertFalse(JournalPriority.stderrIsJournal(null, stream));
        assertFalse(JournalPriority.stderrIsJournal("not-a-stream", stream));
        assertFalse(JournalPriority.stderrIsJournal(named, dir.resolve("missing")));
    }

    @Test
    void everyLineOfAStackTraceCarriesThePriority() {
        assertEquals(
                "<3>java.io.IOException: x\n<3>\tat A.b(A.java:1)\n",
                JournalThrowable.prefixLines("java.io.IOException: x\n\tat A.b(A.java:1)\n", "<3>"));
        assertEquals("", JournalThrowable.prefixLines("", "<3>"));
    }
}
