package dev.jcri.server.streaming.remotecommand;

import dev.jcri.sandbox.container.ConmonAttach;
import dev.jcri.sandbox.container.Containers;
import dev.jcri.server.streaming.request.StreamRequest;
import java.io.IOException;
import java.io.OutputStream;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One attach to a container's own stdio, through conmon's attach socket. It lasts until the container exits or
 * the client detaches; detaching leaves the container running.
 */
public final class AttachSession {
    private static final Logger log = LoggerFactory.getLogger(AttachSession.class);

    private AttachSession() {}

    public static void run(Containers containers, StreamRequest.Attach request, CommandChannels channels)
            throws InterruptedException, IOException {
        ConmonAttach attach;
        try {
            attach = containers.attach(request.containerId());
        } catch (IOException | RuntimeException e) {
            channels.start(size -> {}, () -> {});
            channels.finish(new CommandResult.Failed("error attaching to container: " + e.getMessage()));
            return;
        }
        log.info("attached container={} stdin={}", request.containerId(), request.stdin());
        AtomicBoolean detached = new AtomicBoolean();
        Thread stdin = null;
        try {
            channels.start(size -> resize(containers, request.containerId(), size), () -> {
                detached.set(true);
                attach.detach();
            });
            if (channels.stdin() != null) {
                stdin = Pumps.start(
                        "attach-stdin",
                        true,
                        channels.stdin(),
                        new OutputStream() {
                            @Override
                            public void write(int b) throws IOException {
                                write(new byte[] {(byte) b}, 0, 1);
                            }

                            @Override
                            public void write(byte[] b, int off, int len) throws IOException {
                                attach.writeStdin(b, off, len);
                            }
                        },
                        () -> {
                            if (!detached.get()) {
                                attach.closeStdin();
                            }
                        });
            }
            Thread output =
                    Thread.ofPlatform().daemon().name("attach-output").start(() -> copyOutput(attach, channels));
            output.join();
            attach.detach();
            if (detached.get()) {
                log.info("client detached container={}", request.containerId());
                channels.abort();
            } else {
                log.info("attach ended with the container container={}", request.containerId());
                channels.finish(new CommandResult.Success());
            }
            Pumps.join(stdin, 2000);
        } finally {
            if (stdin == null || !stdin.isAlive()) {
                attach.close();
            }
        }
    }

    private static void copyOutput(ConmonAttach attach, CommandChannels channels) {
        OutputStream stdout = channels.stdout();
        OutputStream stderr = channels.stderr();
        try {
            ConmonAttach.Output output;
            while ((output = attach.read()) != null) {
                OutputStream target = output.pipe() == ConmonAttach.STDERR ? stderr : stdout;
                if (target != null) {
                    target.write(output.data());
                }
            }
        } catch (IOException e) {
            // The client or conmon went away.
        }
    }

    private static void resize(Containers containers, String id, TerminalSize size) {
        try {
            containers.resizeTerminal(id, size.width(), size.height());
        } catch (IOException | RuntimeException e) {
            log.debug("terminal resize failed: {}", e.getMessage());
        }
    }
}
