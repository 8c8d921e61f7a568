package dev.jcri.linux;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A descriptor the JDK cannot wrap (a terminal master received over a socket, a SOCK_SEQPACKET socket), with
 * blocking read and write.
 *
 * <p>A blocking downcall pins the carrier of a virtual thread, and the JVM does not add carriers for it: callers
 * read and write on platform threads of their own, never on virtual ones.
 */
public final class NativeFd implements AutoCloseable {
    private static final int EINTR = 4;
    private static final int EIO = 5;
    private static final int SHUT_WR = 1;
    private static final int SHUT_RDWR = 2;
    private static final MethodHandle READ = NativeCall.errnoHandle(
            "read",
            FunctionDescriptor.of(
                    ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG));
    private static final MethodHandle WRITE = NativeCall.errnoHandle(
            "write",
            FunctionDescriptor.of(
                    ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG));
    private static final MethodHandle SHUTDOWN = NativeCall.errnoHandle(
            "shutdown", FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));

    private final int fd;
    private final String name;
    private final AtomicBoolean closed = new AtomicBoolean();

    public NativeFd(int fd, String name) {
        this.fd = fd;
        this.name = name;
    }

    public int fd() {
        return fd;
    }

    /**
     * Reads up to {@code length} bytes; -1 at the end. A terminal master whose last slave closed answers EIO,
     * which is its end of file.
     */
    public int read(byte[] buffer, int offset, int length) throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = NativeCall.callState(arena);
            MemorySegment native_ = arena.allocate(length);
            while (true) {
                long n = (long) READ.invokeExact(state, fd, native_, (long) length);
                if (n > 0) {
                    MemorySegment.copy(native_, ValueLayout.JAVA_BYTE, 0, buffer, offset, (int) n);
                    return (int) n;
                }
                if (n == 0) {
                    return -1;
                }
                int errno = NativeCall.errno(state);
                if (errno == EINTR) {
                    continue;
                }
                if (errno == EIO || closed.get()) {
                    return -1;
                }
                throw new ErrnoException("read", name, errno);
            }
        } catch (IOException e) {
            throw e;
        } catch (Throwable t) {
            throw NativeCall.rethrow(t);
        }
    }

    /** Writes all of it; for a SOCK_SEQPACKET socket one call is one packet. */
    public void write(byte[] buffer, int offset, int length) throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = NativeCall.callState(arena);
            MemorySegment native_ = arena.allocate(Math.max(1, length));
            MemorySegment.copy(buffer, offset, native_, ValueLayout.JAVA_BYTE, 0, length);
            long done = 0;
            while (done < length) {
                long n = (long) WRITE.invokeExact(state, fd, native_.asSlice(done), length - done);
                if (n < 0) {
                    int errno = NativeCall.errno(state);
                    if (errno == EINTR) {
                        continue;
                    }
                    throw new ErrnoException("write", name, errno);
                }
                done += n;
            }
        } catch (IOException e) {
            throw e;
        } catch (Throwable t) {
            throw NativeCall.rethrow(t);
        }
    }

    /** Half-closes a socket: the peer reads its end, and can still write. */
    public void shutdownOutput() {
        shutdown(SHUT_WR);
    }

    /**
     * Shuts a socket down both ways: a thread blocked reading it returns at once (close alone would leave it
     * blocked). The descriptor stays open until {@link #close()}, so no thread can hit a reused number.
     */
    public void shutdown() {
        shutdown(SHUT_RDWR);
    }

    private void shutdown(int how) {
        if (closed.get()) {
            return;
        }
        try (Arena arena = Arena.ofConfined()) {
            int ignored = (int) SHUTDOWN.invokeExact(NativeCall.callState(arena), fd, how);
        } catch (Throwable t) {
            throw NativeCall.rethrow(t);
        }
    }

    public InputStream inputStream() {
        return new InputStream() {
            @Override
            public int read() throws IOException {
                byte[] one = new byte[1];
                return NativeFd.this.read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
            }

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                return len == 0 ? 0 : NativeFd.this.read(b, off, len);
            }
        };
    }

    public OutputStream outputStream() {
        return new OutputStream() {
            @Override
            public void write(int b) throws IOException {
                NativeFd.this.write(new byte[] {(byte) b}, 0, 1);
            }

            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                NativeFd.this.write(b, off, len);
            }
        };
    }

    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            OpenFiles.close(fd);
        }
    }

    @Override
    public String toString() {
        return name + " (fd " + fd + ")";
    }
}
