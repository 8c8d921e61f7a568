package dev.jcri.linux;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;

/**
 * open(2) and close(2) for raw descriptors the JDK does not expose (namespace files for setns, a FIFO's writing end
 * without waiting for a reader).
 */
public final class OpenFiles {
    public static final int O_RDONLY = 0;
    public static final int O_WRONLY = 1;
    public static final int O_NONBLOCK = 0x800;
    public static final int O_CLOEXEC = 0x80000;
    public static final int O_PATH = 0x200000;

    private static final MethodHandle OPEN = NativeCall.errnoHandle(
            "open", FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_INT));
    private static final MethodHandle CLOSE =
            NativeCall.plainHandle("close", FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));

    private OpenFiles() {}

    public static int openReadOnly(String path) throws ErrnoException {
        return open(path, O_RDONLY | O_CLOEXEC);
    }

    /** A descriptor that names a file or directory without opening it for I/O. */
    public static int openPath(String path) throws ErrnoException {
        return open(path, O_PATH | O_CLOEXEC);
    }

    /**
     * The writing end of a FIFO, if a reader holds it open: ENXIO (never a wait, as a plain open would) when none
     * does.
     */
    public static int openFifoWriter(String path) throws ErrnoException {
        return open(path, O_WRONLY | O_NONBLOCK | O_CLOEXEC);
    }

    private static int open(String path, int flags) throws ErrnoException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = NativeCall.callState(arena);
            int fd = (int) OPEN.invokeExact(state, arena.allocateFrom(path), flags);
            if (fd < 0) {
                throw NativeCall.failure("open", path, state);
            }
            return fd;
        } catch (ErrnoException e) {
            throw e;
        } catch (Throwable t) {
            throw NativeCall.rethrow(t);
        }
    }

    public static void close(int fd) {
        try {
            int ignored = (int) CLOSE.invokeExact(fd);
        } catch (Throwable t) {
            throw NativeCall.rethrow(t);
        }
    }
}
