package dev.jcri.server.daemon;

import ch.qos.logback.classic.pattern.ThrowableProxyConverter;
import ch.qos.logback.classic.spi.ILoggingEvent;

/**
 * {@code %journalThrowable} in {@link LogSetup}'s pattern: an event's stack trace as logback prints it by default, and under the
 * journal each of its lines with the event's priority (see {@link JournalPriority}), so that the trace of an error
 * is filed as an error rather than at the journal's default level.
 */
public final class JournalThrowable extends ThrowableProxyConverter {
    @Override
    public String convert(ILoggingEvent event) {
        String trace = super.convert(event);
        return JournalPriority.ACTIVE ? prefixLines(trace, JournalPriority.prefix(event.getLevel())) : trace;
    }

    static String prefixLines(String trace, String prefix) {
        if (trace.isEmpty()) {
            return trace;
        }
        StringBuilder out = new StringBuilder(trace.length() + 64);
        for (String line : trace.split("\n", -1)) {
            if (!out.isEmpty()) {
                out.append('\n');
            }
            if (!line.isEmpty()) {
                out.append(prefix).append(line);
            }
        }
        return out.toString();
    }
}
