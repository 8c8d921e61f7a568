package dev.jcri.server.streaming.remotecommand;

import dev.jcri.sandbox.container.Containers;
import dev.jcri.sandbox.container.ExecProcess;
import dev.jcri.server.streaming.request.StreamRequest;
import java.io.IOException;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One streamed exec: the command runs while its stdio flows to and from the client; its exit code goes on the
 * error channel. A client that disconnects first gets its own exec process killed, and nothing else: the
 * container keeps running.
 */
public final class ExecSession {
    private static final Logger log = LoggerFactory.getLogger(ExecSession.class);
    /** After the command exits, how long output still in flight may take to arrive. */
    private static final long DRAIN_MILLIS = 2000;

    private ExecSession() {}

    public static void run(Containers containers, StreamRequest.Exec request, CommandChannels channels)
            throws InterruptedException, IOException {
        ExecProcess process;
        try {
            process = containers.exec(request.containerId(), request.command(), request.tty());
        } catch (IOException | RuntimeException e) {
            channels.start(size -> {}, () -> {});
            channels.finish(new CommandResult.Failed("error executing command in container: " + e.getMessage()));
            return;
        }
        log.info(
                "exec started container={} tty={} command={}", request.containerId(), request.tty(), request.command());
        AtomicBoolean disconnected = new AtomicBoolean();
        try (process) {
            boolean nativeIo = process.tty();
            channels.start(size -> resize(process, size), () -> {
                disconnected.set(true);
                process.kill();
            });
            if (channels.stdin() != null) {
                Pumps.start("exec-stdin", nativeIo, channels.stdin(), process.stdin(), () -> {
                    // A terminal stays open: closing its master would hang up the session.
                    if (!process.tty()) {
                        Pumps.closeQuietly(process.stdin());
                    }
                });
            } else if (!process.tty()) {
                process.stdin().close();
            }
            Thread stdout = Pumps.start("exec-stdout", nativeIo, process.stdout(), channels.stdout(), () -> {});
            Thread stderr = process.stderr() == null
                    ? null
                    : Pumps.start("exec-stderr", false, process.stderr(), channels.stderr(), () -> {});
            int exitCode = process.waitFor();
            Pumps.join(stdout, DRAIN_MILLIS);
            Pumps.join(stderr, DRAIN_MILLIS);
            if (disconnected.get()) {
                log.info("exec client went away; its process was killed container={}", request.containerId());
                channels.abort();
                return;
            }
            log.info("exec finished container={} exit={}", request.containerId(), exitCode);
            channels.finish(CommandResult.exited(exitCode, request.command()));
        }
    }

    private static void resize(ExecProcess process, TerminalSize size) {
        try {
            process.resize(size.width(), size.height());
        } catch (IOException e) {
            log.debug("terminal resize failed: {}", e.getMessage());
        }
    }
}
