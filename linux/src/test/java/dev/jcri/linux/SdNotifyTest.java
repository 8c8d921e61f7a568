package dev.jcri.linux;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** sd_notify datagrams received on a socket the test binds, as systemd's notify socket. */
class SdNotifyTest {
    private static final MethodHandle SOCKET = NativeCall.errnoHandle(
            "socket",
            FunctionDescriptor.of(
                    ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
    private static final MethodHandle BIND = NativeCall.errnoHandle(
            "bind",
            FunctionDescriptor.of(
                    ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_INT));
    private static final MethodHandle RECV = NativeCall.errnoHandle(
            "recv",
            FunctionDescriptor.of(
                    ValueLayout.JAVA_LONG,
                    ValueLayout.JAVA_INT,
                    ValueLayout.ADDRESS,
                    ValueLayout.JAVA_LONG,
                    ValueLayout.JAVA_INT));
    private static final int MSG_DONTWAIT = 0x40;

    /** A bound SOCK_DGRAM socket: {@code name} starting with a NUL byte is abstract. */
    private static int bind(byte[] name, int length) throws Throwable {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = NativeCall.callState(arena);
            int fd = (int) SOCKET.invokeExact(state, 1, 2 | 0x80000, 0);
            assertTrue(fd >= 0, "socket");
            MemorySegment address = arena.allocate(110, 2);
            address.set(ValueLayout.JAVA_SHORT, 0, (short) 1);
            MemorySegment.copy(name, 0, address, ValueLayout.JAVA_BYTE, 2, name.length);
            int rc = (int) BIND.invokeExact(state, fd, address, length);
            assertEquals(0, rc, () -> "bind: " + NativeCall.strerror(NativeCall.errno(state)));
            return fd;
        }
    }

    private static String receive(int fd) throws Throwable {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = NativeCall.callState(arena);
            MemorySegment buffer = arena.allocate(4096);
            long n = (long) RECV.invokeExact(state, fd, buffer, 4096L, MSG_DONTWAIT);
            assertTrue(n >= 0, () -> "recv: " + NativeCall.strerror(NativeCall.errno(state)));
            return new String(buffer.asSlice(0, n).toArray(ValueLayout.JAVA_BYTE), StandardCharsets.UTF_8);
        }
    }

    @Test
    void sendsStatesToAPathSocket(@TempDir Path dir) throws Throwable {
        String path = dir.resolve("notify").toString();
        byte[] name = path.getBytes(StandardCharsets.UTF_8);
        int fd = bind(name, 2 + name.length + 1);
        try {
            SdNotify notify = SdNotify.of(Map.of("NOTIFY_SOCKET", path)).orElseThrow();
            notify.send("READY=1", "STATUS=serving");
            assertEquals("READY=1\nSTATUS=serving", receive(fd));
            notify.send("STOPPING=1");
            assertEquals("STOPPING=1", receive(fd));
        } finally {
            OpenFiles.close(fd);
        }
    }

    @Test
    void sendsToAnAbstractSocket() throws Throwable {
        String abstractName = "jcri-sdnotify-test-" + ProcessHandle.current().pid() + "-" + System.nanoTime();
        byte[] raw = abstractName.getBytes(StandardCharsets.UTF_8);
        byte[] name = new byte[raw.length + 1];
        System.arraycopy(raw, 0, name, 1, raw.length);
        int fd = bind(name, 2 + name.length);
        try {
            SdNotify.to("@" + abstractName).send("WATCHDOG=1");
            assertEquals("WATCHDOG=1", receive(fd));
        } finally {
            OpenFiles.close(fd);
        }
    }

    @Test
    void noSocketNoNotifier() {
        assertEquals(Optional.empty(), SdNotify.of(Map.of()));
        assertEquals(Optional.empty(), SdNotify.of(Map.of("NOTIFY_SOCKET", "relative")));
        assertThrows(
                ErrnoException.class,
                () -> SdNotify.to("/nonexistent/jcri/notify").send("READY=1"));
    }

    @Test
    void watchdogIntervalIsForThisProcessOnly() {
        assertEquals(
                Optional.of(Duration.ofSeconds(30)), SdNotify.watchdogInterval(Map.of("WATCHDOG_USEC", "30000000"), 7));
        assertEquals(
                Optional.of(Duration.ofSeconds(30)),
                SdNotify.watchdogInterval(Map.of("WATCHDOG_USEC", "30000000", "WATCHDOG_PID", "7"), 7));
        assertEquals(
                Optional.empty(),
                SdNotify.watchdogInterval(Map.of("WATCHDOG_USEC", "30000000", "WATCHDOG_PID", "8"), 7));
        assertEquals(Optional.empty(), SdNotify.watchdogInterval(Map.of("WATCHDOG_USEC", "x"), 7));
        assertEquals(Optional.empty(), SdNotify.watchdogInterval(Map.of(), 7));
    }
}
