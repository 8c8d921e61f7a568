package dev.jcri.linux;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.util.Optional;

/**
 * A process held by a pidfd (pidfd_open(2)): while it is open the PID names this process or none, so what a caller
 * checked about the process after opening it (its cgroup) still holds when {@link #signal} reaches it, with no PID
 * reuse in between. A signal is one syscall, where a runtime's {@code kill} command is a process start.
 */
public final class PidFd implements AutoCloseable {
    private static final int ESRCH = 3;
    private static final MethodHandle PIDFD_OPEN = NativeCall.errnoHandle(
            "pidfd_open", FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
    private static final MethodHandle PIDFD_SEND_SIGNAL = NativeCall.errnoHandle(
            "pidfd_send_signal",
            FunctionDescriptor.of(
                    ValueLayout.JAVA_INT,
                    ValueLayout.JAVA_INT,
                    ValueLayout.JAVA_INT,
                    ValueLayout.ADDRESS,
                    ValueLayout.JAVA_INT));

    private final int fd;
    private final long pid;

    private PidFd(int fd, long pid) {
        this.fd = fd;
        this.pid = pid;
    }

    /** The process, or empty when no process has this PID. */
    public static Optional<PidFd> open(long pid) throws ErrnoException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = NativeCall.callState(arena);
            int fd = (int) PIDFD_OPEN.invokeExact(state, (int) pid, 0);
            if (fd < 0) {
                if (NativeCall.errno(state) == ESRCH) {
                    return Optional.empty();
                }
                throw NativeCall.failure("pidfd_open", "pid " + pid, state);
            }
            return Optional.of(new PidFd(fd, pid));
        } catch (ErrnoException e) {
            throw e;
        } catch (Throwable t) {
            throw NativeCall.rethrow(t);
        }
    }

    /** Sends {@code signal}; false when the process has exited meanwhile. */
    public boolean signal(int signal) throws ErrnoException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = NativeCall.callState(arena);
            int rc = (int) PIDFD_SEND_SIGNAL.invokeExact(state, fd, signal, MemorySegment.NULL, 0);
            if (rc != 0) {
                if (NativeCall.errno(state) == ESRCH) {
                    return false;
                }
                throw NativeCall.failure("pidfd_send_signal", "pid " + pid, state);
            }
            return true;
        } catch (ErrnoException e) {
            throw e;
        } catch (Throwable t) {
            throw NativeCall.rethrow(t);
        }
    }

    @Override
    public void close() {
        OpenFiles.close(fd);
    }
}
