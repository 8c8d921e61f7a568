package dev.jcri.server.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.Configurator;
import ch.qos.logback.classic.spi.LoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.encoder.LayoutWrappingEncoder;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** jcri's logging as set up in code: one line per event in jcri's format, library loggers quieter. */
class LogSetupTest {
    @Test
    void writesOneLinePerEventInJcrisFormat() {
        LoggerContext context = new LoggerContext();
        LogSetup setup = new LogSetup();
        setup.setContext(context);
        assertEquals(Configurator.ExecutionStatus.DO_NOT_INVOKE_NEXT_IF_ANY, setup.configure(context));

        ch.qos.logback.classic.Logger root = context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        assertEquals(Level.INFO, root.getLevel());
        assertEquals(Level.WARN, context.getLogger("io.grpc").getLevel());
        assertEquals(
                Level.ERROR,
                context.getLogger("io.grpc.netty.shaded.io.netty.bootstrap.Bootstrap")
                        .getLevel());
        ConsoleAppender<?> stderr = (ConsoleAppender<?>) root.getAppender("STDERR");
        assertEquals("System.err", stderr.getTarget());

        @SuppressWarnings("unchecked")
        LayoutWrappingEncoder<ch.qos.logback.classic.spi.ILoggingEvent> encoder =
                (LayoutWrappingEncoder<ch.qos.logback.classic.spi.ILoggingEvent>) stderr.getEncoder();
        ch.qos.logback.classic.Logger daemon = context.getLogger("dev.jcri.server.daemon.Daemon");
        LoggingEvent event = new LoggingEvent(
                LogSetupTest.class.getName(), daemon, Level.INFO, "jcri ready version={}", null, new Object[] {"1"});
        String line = new String(encoder.encode(event), StandardCharsets.UTF_8);
        assertTrue(
                line.matches("(<6>)?\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}(Z|[+-]\\d\\d:\\d\\d) INFO  "
                        + "\\[Daemon] jcri ready version=1\\R"),
                line);
        context.stop();
    }
}
