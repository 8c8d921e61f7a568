package dev.jcri.linux;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.function.BooleanSupplier;

/**
 * The unix sockets the JDK's channels cannot speak: SOCK_SEQPACKET (conmon's attach socket) and descriptor
 * passing with SCM_RIGHTS (the OCI runtime's console socket, which hands over a terminal master).
 */
public final class UnixSockets {
    private static final int AF_UNIX = 1;
    private static final int SOCK_STREAM = 1;
    private static final int SOCK_SEQPACKET = 5;
    private static final int SOCK_CLOEXEC = 0x80000;
    private static final int SOL_SOCKET = 1;
    private static final int SCM_RIGHTS = 1;
    private static final int MSG_CMSG_CLOEXEC = 0x40000000;
    private static final short POLLIN = 1;
    private static final int EINTR = 4;
    /** sizeof(sockaddr_un.sun_path) on Linux, including the terminating NUL. */
    private static final int SUN_PATH = 108;

    private static final int SOCKADDR_UN = 2 + SUN_PATH;

    private static final MethodHandle SOCKET = NativeCall.errnoHandle(
            "socket",
            FunctionDescriptor.of(
                    ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
    private static final MethodHandle CONNECT = NativeCall.errnoHandle(
            "connect",
            FunctionDescriptor.of(
                    ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_INT));
    private static final MethodHandle BIND = NativeCall.errnoHandle(
            "bind",
            FunctionDescriptor.of(
                    ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_INT));
    private static final MethodHandle LISTEN = NativeCall.errnoHandle(
            "listen", FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
    private static final MethodHandle ACCEPT4 = NativeCall.errnoHandle(
            "accept4",
            FunctionDescriptor.of(
                    ValueLayout.JAVA_INT,
                    ValueLayout.JAVA_INT,
                    ValueLayout.ADDRESS,
                    ValueLayout.ADDRESS,
                    ValueLayout.JAVA_INT));
    private static final MethodHandle RECVMSG = NativeCall.errnoHandle(
            "recvmsg",
            FunctionDescriptor.of(
                    ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_INT));
    private static final MethodHandle POLL = NativeCall.errnoHandle(
            "poll",
            FunctionDescriptor.of(
                    ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT));

    private UnixSockets() {}

    /**
     * Connects a SOCK_SEQPACKET socket; a path longer than sun_path is reached through an O_PATH descriptor of
     * its directory.
     */
    public static NativeFd connectSeqpacket(Path path) throws IOException {
        int dirFd = -1;
        String address = path.toString();
        if (address.getBytes(StandardCharsets.UTF_8).length >= SUN_PATH) {
            dirFd = OpenFiles.openPath(path.getParent().toString());
            address = "/proc/self/fd/" + dirFd + "/" + path.getFileName();
        }
        int fd = socket(SOCK_SEQPACKET, path);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = NativeCall.callState(arena);
            int rc = (int) CONNECT.invokeExact(state, fd, sockaddr(arena, address), SOCKADDR_UN);
            if (rc != 0) {
                ErrnoException failure = NativeCall.failure("connect", path.toString(), state);
                OpenFiles.close(fd);
                throw failure;
            }
            return new NativeFd(fd, path.toString());
        } catch (IOException e) {
            throw e;
        } catch (Throwable t) {
            OpenFiles.close(fd);
            throw NativeCall.rethrow(t);
        } finally {
            if (dirFd >= 0) {
                OpenFiles.close(dirFd);
            }
        }
    }

    /**
     * A listening console socket (OCI runtime's {@code --console-socket}): the runtime connects and sends the
     * terminal master it made for the process.
     */
    public static final class ConsoleSocket implements AutoCloseable {
        private final NativeFd listener;
        private final Path path;

        private ConsoleSocket(NativeFd listener, Path path) {
            this.listener = listener;
            this.path = path;
        }

        public static ConsoleSocket listen(Path path) throws IOException {
            if (path.toString().getBytes(StandardCharsets.UTF_8).length >= SUN_PATH) {
                throw new IOException("console socket path is longer than a unix socket allows: " + path);
            }
            int fd = socket(SOCK_STREAM, path);
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment state = NativeCall.callState(arena);
                int rc = (int) BIND.invokeExact(state, fd, sockaddr(arena, path.toString()), SOCKADDR_UN);
                if (rc == 0) {
                    rc = (int) LISTEN.invokeExact(state, fd, 1);
                }
                if (rc != 0) {
                    ErrnoException failure = NativeCall.failure("bind/listen", path.toString(), state);
                    OpenFiles.close(fd);
                    throw failure;
                }
                return new ConsoleSocket(new NativeFd(fd, path.toString()), path);
            } catch (IOException e) {
                throw e;
            } catch (Throwable t) {
                OpenFiles.close(fd);
                throw NativeCall.rethrow(t);
            }
        }

        public Path path() {
            return path;
        }

        /**
         * Waits for the runtime to connect and send its terminal master, while {@code waiting} holds (the runtime
         * still runs) and at most {@code timeout}.
         */
        public NativeFd receiveTerminal(Duration timeout, BooleanSupplier waiting) throws IOException {
            long deadline = System.nanoTime() + timeout.toNanos();
            while (!readable(listener.fd(), 100)) {
                if (!waiting.getAsBoolean() || System.nanoTime() > deadline) {
                    throw new IOException("the runtime sent no terminal on " + path);
                }
            }
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment state = NativeCall.callState(arena);
                int connection = (int)
                        ACCEPT4.invokeExact(state, listener.fd(), MemorySegment.NULL, MemorySegment.NULL, SOCK_CLOEXEC);
                if (connection < 0) {
                    throw NativeCall.failure("accept", path.toString(), state);
                }
                try {
                    return receiveFd(arena, connection);
                } finally {
                    OpenFiles.close(connection);
                }
            } catch (IOException e) {
                throw e;
            } catch (Throwable t) {
                throw NativeCall.rethrow(t);
            }
        }

        private NativeFd receiveFd(Arena arena, int connection) throws Throwable {
            // struct iovec { void *base; size_t len; } for the terminal's name, which is not needed.
            MemorySegment name = arena.allocate(4096);
            MemorySegment iov = arena.allocate(16, 8);
            iov.set(ValueLayout.ADDRESS, 0, name);
            iov.set(ValueLayout.JAVA_LONG, 8, name.byteSize());
            // cmsghdr { size_t len; int level; int type; } followed by one int: CMSG_SPACE(4) is 24.
            MemorySegment control = arena.allocate(24, 8);
            // struct msghdr on LP64: name, namelen(+pad), iov, iovlen, control, controllen, flags(+pad).
            MemorySegment message = arena.allocate(56, 8);
            message.set(ValueLayout.ADDRESS, 16, iov);
            message.set(ValueLayout.JAVA_LONG, 24, 1L);
            message.set(ValueLayout.ADDRESS, 32, control);
            message.set(ValueLayout.JAVA_LONG, 40, control.byteSize());
            MemorySegment state = NativeCall.callState(arena);
            long n;
            do {
                n = (long) RECVMSG.invokeExact(state, connection, message, MSG_CMSG_CLOEXEC);
            } while (n < 0 && NativeCall.errno(state) == EINTR);
            if (n < 0) {
                throw NativeCall.failure("recvmsg", path.toString(), state);
            }
            long controlLength = message.get(ValueLayout.JAVA_LONG, 40);
            if (controlLength < 20
                    || control.get(ValueLayout.JAVA_INT, 8) != SOL_SOCKET
                    || control.get(ValueLayout.JAVA_INT, 12) != SCM_RIGHTS) {
                throw new IOException("the runtime connected to " + path + " but sent no descriptor");
            }
            return new NativeFd(control.get(ValueLayout.JAVA_INT, 16), "terminal master");
        }

        @Override
        public void close() {
            listener.close();
        }
    }

    private static boolean readable(int fd, int timeoutMillis) throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            // struct pollfd { int fd; short events; short revents; }
            MemorySegment pollfd = arena.allocate(8, 4);
            pollfd.set(ValueLayout.JAVA_INT, 0, fd);
            pollfd.set(ValueLayout.JAVA_SHORT, 4, POLLIN);
            MemorySegment state = NativeCall.callState(arena);
            int rc = (int) POLL.invokeExact(state, pollfd, 1L, timeoutMillis);
            if (rc < 0 && NativeCall.errno(state) != EINTR) {
                throw NativeCall.failure("poll", "fd " + fd, state);
            }
            return rc > 0;
        } catch (IOException e) {
            throw e;
        } catch (Throwable t) {
            throw NativeCall.rethrow(t);
        }
    }

    private static int socket(int type, Path forWhat) throws ErrnoException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = NativeCall.callState(arena);
            int fd = (int) SOCKET.invokeExact(state, AF_UNIX, type | SOCK_CLOEXEC, 0);
            if (fd < 0) {
                throw NativeCall.failure("socket", forWhat.toString(), state);
            }
            return fd;
        } catch (ErrnoException e) {
            throw e;
        } catch (Throwable t) {
            throw NativeCall.rethrow(t);
        }
    }

    private static MemorySegment sockaddr(Arena arena, String path) {
        MemorySegment address = arena.allocate(SOCKADDR_UN, 2);
        address.set(ValueLayout.JAVA_SHORT, 0, (short) AF_UNIX);
        byte[] bytes = path.getBytes(StandardCharsets.UTF_8);
        MemorySegment.copy(bytes, 0, address, ValueLayout.JAVA_BYTE, 2, bytes.length);
        return address;
    }
}
