package dev.jcri.server.daemon;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.Configurator;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.CoreConstants;
import ch.qos.logback.core.pattern.DynamicConverter;
import ch.qos.logback.core.spi.ContextAwareBase;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Supplier;

/**
 * jcri's logging, set up in code (found by logback through META-INF/services) instead of a logback.xml: reading
 * the XML took logback's configuration engine and an XML parser, ~250 classes, onto the daemon's start-up path.
 *
 * <p>One line per event, key=value after the message head, on stderr so that stdout stays for command output;
 * under systemd each line starts with its syslog priority ({@link JournalPriority}). An operator's own file
 * ({@code -Dlogback.configurationFile=FILE}, e.g. through JCRI_JAVA_OPTS) and a {@code logback-test.xml} on the class
 * path (tests) still win.
 */
public final class LogSetup extends ContextAwareBase implements Configurator {
    static final String PATTERN =
            "%journalPriority%d{yyyy-MM-dd'T'HH:mm:ss.SSSXXX} %-5level [%logger{0}] %msg%n%journalThrowable";

    /** Library loggers kept quieter than jcri's own. */
    static final Map<String, Level> LIBRARY_LEVELS = Map.of(
            // grpc-netty logs "Unknown channel option 'SO_KEEPALIVE'" for every unix-socket connection: harmless.
            "io.grpc.netty.shaded.io.grpc.netty.NettyServerTransport", Level.ERROR,
            "io.grpc.netty.shaded.io.netty.bootstrap.ServerBootstrap", Level.ERROR,
            "io.grpc.netty.shaded.io.netty.bootstrap.Bootstrap", Level.ERROR,
            "io.grpc.netty.shaded.io.netty", Level.WARN,
            "io.grpc", Level.WARN,
            // dbus-java logs every message it marshals at debug; jcri logs its own calls to systemd.
            "org.freedesktop.dbus", Level.WARN);

    @Override
    public ExecutionStatus configure(LoggerContext context) {
        if (System.getProperty("logback.configurationFile") != null
                || LogSetup.class.getClassLoader().getResource("logback-test.xml") != null) {
            return ExecutionStatus.INVOKE_NEXT_IF_ANY;
        }
        // The pattern's own conversion words, where a logback.xml's conversionRule puts them.
        Map<String, Supplier<DynamicConverter>> rules = new HashMap<>();
        rules.put("journalPriority", JournalPriority::new);
        rules.put("journalThrowable", JournalThrowable::new);
        context.putObject(CoreConstants.PATTERN_RULE_REGISTRY_FOR_SUPPLIERS, rules);
        PatternLayoutEncoder encoder = new PatternLayoutEncoder();
        encoder.setContext(context);
        encoder.setPattern(PATTERN);
        encoder.start();

        ConsoleAppender<ILoggingEvent> stderr = new ConsoleAppender<>();
        stderr.setContext(context);
        stderr.setName("STDERR");
        stderr.setTarget("System.err");
        stderr.setEncoder(encoder);
        stderr.start();

        LIBRARY_LEVELS.forEach((name, level) -> context.getLogger(name).setLevel(level));
        ch.qos.logback.classic.Logger root = context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        root.setLevel(Level.INFO);
        root.addAppender(stderr);
        return ExecutionStatus.DO_NOT_INVOKE_NEXT_IF_ANY;
    }
}
