package dev.jcri.linux;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.charset.StandardCharsets;

/**
 * unshare(2), setns(2) and sethostname(2). Each acts on the calling thread only: callers run them on a platform
 * thread of their own that ends afterwards, never on a pooled or virtual thread.
 */
public final class Namespaces {
    public static final int CLONE_NEWNS = 0x00020000;
    public static final int CLONE_NEWUTS = 0x04000000;
    public static final int CLONE_NEWIPC = 0x08000000;
    public static final int CLONE_NEWUSER = 0x10000000;
    public static final int CLONE_NEWPID = 0x20000000;
    public static final int CLONE_NEWNET = 0x40000000;

    private static final MethodHandle UNSHARE =
            NativeCall.errnoHandle("unshare", FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
    private static final MethodHandle SETNS = NativeCall.errnoHandle(
            "setns", FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
    private static final MethodHandle SETHOSTNAME = NativeCall.errnoHandle(
            "sethostname", FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG));

    private Namespaces() {}

    public static void unshare(int flags) throws ErrnoException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = NativeCall.callState(arena);
            int rc = (int) UNSHARE.invokeExact(state, flags);
            if (rc != 0) {
                throw NativeCall.failure("unshare", "flags 0x" + Integer.toHexString(flags), state);
            }
        } catch (ErrnoException e) {
            throw e;
        } catch (Throwable t) {
            throw NativeCall.rethrow(t);
        }
    }

    /** Joins the namespace open on {@code fd}; {@code nstype} 0 accepts any type. */
    public static void setns(int fd, int nstype) throws ErrnoException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = NativeCall.callState(arena);
            int rc = (int) SETNS.invokeExact(state, fd, nstype);
            if (rc != 0) {
                throw NativeCall.failure("setns", "fd " + fd, state);
            }
        } catch (ErrnoException e) {
            throw e;
        } catch (Throwable t) {
            throw NativeCall.rethrow(t);
        }
    }

    /** Sets the hostname of the calling thread's UTS namespace. */
    public static void sethostname(String hostname) throws ErrnoException {
        byte[] name = hostname.getBytes(StandardCharsets.UTF_8);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = NativeCall.callState(arena);
            MemorySegment buffer = arena.allocate(name.length + 1L);
            buffer.copyFrom(MemorySegment.ofArray(name));
            int rc = (int) SETHOSTNAME.invokeExact(state, buffer, (long) name.length);
            if (rc != 0) {
                throw NativeCall.failure("sethostname", hostname, state);
            }
        } catch (ErrnoException e) {
            throw e;
        } catch (Throwable t) {
            throw NativeCall.rethrow(t);
        }
    }
}
