package dev.jcri.linux;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;

/**
 * The service manager's notification protocol ({@code sd_notify}): newline-separated {@code KEY=VALUE} states sent
 * as one datagram to the AF_UNIX SOCK_DGRAM socket named by {@code $NOTIFY_SOCKET} (a leading {@code @} names an
 * abstract socket). The JDK's unix channels speak only SOCK_STREAM, so the datagram goes through libc.
 */
public final class SdNotify {
    private static final int AF_UNIX = 1;
    private static final int SOCK_DGRAM = 2;
    private static final int SOCK_CLOEXEC = 0x80000;
    private static final int MSG_NOSIGNAL = 0x4000;
    /** sizeof(sockaddr_un.sun_path) on Linux. */
    private static final int SUN_PATH = 108;

    private static final MethodHandle SOCKET = NativeCall.errnoHandle(
            "socket",
            FunctionDescriptor.of(
                    ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
    private static final MethodHandle SENDTO = NativeCall.errnoHandle(
            "sendto",
            FunctionDescriptor.of(
                    ValueLayout.JAVA_LONG,
                    ValueLayout.JAVA_INT,
                    ValueLayout.ADDRESS,
                    ValueLayout.JAVA_LONG,
                    ValueLayout.JAVA_INT,
                    ValueLayout.ADDRESS,
                    ValueLayout.JAVA_INT));

    private final String socket;

    private SdNotify(String socket) {
        this.socket = socket;
    }

    /** The notifier for {@code $NOTIFY_SOCKET}; empty when no service manager waits for notifications. */
    public static Optional<SdNotify> fromEnvironment() {
        return of(System.getenv());
    }

    static Optional<SdNotify> of(Map<String, String> env) {
        String socket = env.get("NOTIFY_SOCKET");
        if (socket == null || socket.isEmpty() || !(socket.startsWith("/") || socket.startsWith("@"))) {
            return Optional.empty();
        }
        return Optional.of(new SdNotify(socket));
    }

    /** For a socket given directly: a path, or {@code @name} for an abstract one. */
    public static SdNotify to(String socket) {
        if (!socket.startsWith("/") && !socket.startsWith("@")) {
            throw new IllegalArgumentException("not a notify socket address: " + socket);
        }
        return new SdNotify(socket);
    }

    /**
     * The watchdog interval the manager expects pings at ({@code WATCHDOG_USEC}), when it is meant for this
     * process ({@code WATCHDOG_PID} absent or ours).
     */
    public static Optional<Duration> watchdogInterval(Map<String, String> env, long ownPid) {
        String usec = env.get("WATCHDOG_USEC");
        String pid = env.get("WATCHDOG_PID");
        if (usec == null || (pid != null && !pid.equals(Long.toString(ownPid)))) {
            return Optional.empty();
        }
        try {
            long micros = Long.parseLong(usec.strip());
            return micros > 0 ? Optional.of(Duration.ofNanos(micros * 1000)) : Optional.empty();
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
    }

    /** Sends {@code states} ({@code READY=1}, {@code STATUS=...}, ...) as one datagram. */
    public void send(String... states) throws IOException {
        byte[] message = String.join("\n", states).getBytes(StandardCharsets.UTF_8);
        byte[] name = (socket.startsWith("@") ? socket.substring(1) : socket).getBytes(StandardCharsets.UTF_8);
        if (name.length >= SUN_PATH) {
            throw new IOException("NOTIFY_SOCKET is longer than a unix socket address allows: " + socket);
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = NativeCall.callState(arena);
            int fd = (int) SOCKET.invokeExact(state, AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
            if (fd < 0) {
                throw NativeCall.failure("socket", socket, state);
            }
            try {
                MemorySegment address = arena.allocate(2 + SUN_PATH, 2);
                address.set(ValueLayout.JAVA_SHORT, 0, (short) AF_UNIX);
                // An abstract name starts with a NUL and is as long as given; a path ends with one.
                int offset = socket.startsWith("@") ? 3 : 2;
                MemorySegment.copy(name, 0, address, ValueLayout.JAVA_BYTE, offset, name.length);
                int length = socket.startsWith("@") ? 3 + name.length : 2 + name.length + 1;
                MemorySegment buffer = arena.allocate(Math.max(1, message.length));
                MemorySegment.copy(message, 0, buffer, ValueLayout.JAVA_BYTE, 0, message.length);
                long sent = (long)
                        SENDTO.invokeExact(state, fd, buffer, (long) message.length, MSG_NOSIGNAL, address, length);
                if (sent < 0) {
                    throw NativeCall.failure("sendto", socket, state);
                }
            } finally {
                OpenFiles.close(fd);
            }
        } catch (IOException e) {
            throw e;
        } catch (Throwable t) {
            throw NativeCall.rethrow(t);
        }
    }

    @Override
    public String toString() {
        return "notify socket " + socket;
    }
}
