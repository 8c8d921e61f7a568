package dev.jcri.server.daemon;

import dev.jcri.linux.SdNotify;
import java.io.IOException;
import java.time.Duration;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Tells systemd (a {@code Type=notify} unit) how the daemon is doing: READY=1 once the socket serves, STOPPING=1
 * when it begins to stop, a STATUS= line with each, and WATCHDOG=1 at half the interval the unit's
 * {@code WatchdogSec=} asks for. Without {@code $NOTIFY_SOCKET} it does nothing. A notification that cannot be
 * sent is logged, never fatal: the daemon serves either way.
 */
final class ServiceNotifier implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ServiceNotifier.class);

    private final Optional<SdNotify> notify;
    private final Optional<Duration> watchdog;
    private Thread watchdogThread;

    private ServiceNotifier(Optional<SdNotify> notify, Optional<Duration> watchdog) {
        this.notify = notify;
        this.watchdog = watchdog;
    }

    static ServiceNotifier fromEnvironment() {
        Optional<SdNotify> notify = SdNotify.fromEnvironment();
        return new ServiceNotifier(
                notify,
                notify.isEmpty()
                        ? Optional.empty()
                        : SdNotify.watchdogInterval(
                                System.getenv(), ProcessHandle.current().pid()));
    }

    void status(String text) {
        send("STATUS=" + text);
    }

    void ready(String status) {
        send("READY=1", "STATUS=" + status);
        watchdog.ifPresent(interval -> {
            Duration period = interval.dividedBy(2);
            watchdogThread = Thread.ofPlatform().daemon().name("watchdog").start(() -> {
                try {
                    while (true) {
                        send("WATCHDOG=1");
                        Thread.sleep(period);
                    }
                } catch (InterruptedException e) {
                    // Stopping.
                }
            });
            log.info("systemd watchdog interval_ms={} ping_ms={}", interval.toMillis(), period.toMillis());
        });
    }

    void stopping() {
        send("STOPPING=1", "STATUS=stopping");
    }

    private void send(String... states) {
        notify.ifPresent(n -> {
            try {
                n.send(states);
            } catch (IOException | RuntimeException e) {
                log.warn(
                        "systemd notification not sent to={} states={} error=\"{}\"",
                        n,
                        String.join(",", states),
                        e.getMessage());
            }
        });
    }

    @Override
    public void close() {
        if (watchdogThread != null) {
            watchdogThread.interrupt();
        }
    }
}
