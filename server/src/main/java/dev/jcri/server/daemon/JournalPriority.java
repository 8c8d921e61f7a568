package dev.jcri.server.daemon;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.pattern.ClassicConverter;
import ch.qos.logback.classic.spi.ILoggingEvent;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * {@code %journalPriority} in {@link LogSetup}'s pattern: a syslog priority prefix ({@code <3>} error ... {@code <7>} debug) on each
 * line when stderr is the systemd journal's stream, which then files the line at that level
 * ({@code SyslogLevelPrefix=}, on by default); nothing otherwise, so a terminal or a log file sees the lines as always.
 */
public final class JournalPriority extends ClassicConverter {
    static final boolean ACTIVE = stderrIsJournal(System.getenv("JOURNAL_STREAM"), Path.of("/proc/self/fd/2"));

    @Override
    public String convert(ILoggingEvent event) {
        return ACTIVE ? prefix(event.getLevel()) : "";
    }

    static String prefix(Level level) {
        return switch (level.toInt()) {
            case Level.ERROR_INT -> "<3>";
            case Level.WARN_INT -> "<4>";
            case Level.INFO_INT -> "<6>";
            default -> "<7>";
        };
    }

    /**
     * systemd sets JOURNAL_STREAM to {@code device:inode} of the stream it connected to stdout/stderr; a child whose
     * stderr was redirected elsewhere inherits the variable, so it counts only when stderr is still that stream.
     */
    static boolean stderrIsJournal(String journalStream, Path stderr) {
        if (journalStream == null || !journalStream.matches("\\d+:\\d+")) {
            return false;
        }
        try {
            Map<String, Object> stat = Files.readAttributes(stderr, "unix:dev,ino");
            return journalStream.equals(stat.get("dev") + ":" + stat.get("ino"));
        } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
            return false;
        }
    }
}
