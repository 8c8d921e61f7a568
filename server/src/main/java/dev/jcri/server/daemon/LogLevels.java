package dev.jcri.server.daemon;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import org.slf4j.LoggerFactory;

/** Applies the configured log level to jcri's own loggers; library loggers keep their quieter levels. */
public final class LogLevels {
    private LogLevels() {}

    public static void apply(String level) {
        Level parsed = Level.toLevel(level.toUpperCase(), Level.INFO);
        ((Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME)).setLevel(parsed);
        ((Logger) LoggerFactory.getLogger("dev.jcri")).setLevel(parsed);
        ((Logger) LoggerFactory.getLogger("rpc")).setLevel(parsed);
    }
}
