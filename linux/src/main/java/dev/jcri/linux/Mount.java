package dev.jcri.linux;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;

/** mount(2) and umount2(2). */
public final class Mount {
    public static final long MS_RDONLY = 1;
    public static final long MS_NOSUID = 2;
    public static final long MS_NODEV = 4;
    public static final long MS_NOEXEC = 8;
    public static final long MS_REMOUNT = 32;
    public static final long MS_BIND = 4096;
    public static final long MS_REC = 16384;
    public static final long MS_PRIVATE = 1 << 18;
    public static final long MS_SLAVE = 1 << 19;
    public static final long MS_SHARED = 1 << 20;

    public static final int MNT_DETACH = 2;

    private static final MethodHandle MOUNT = NativeCall.errnoHandle(
            "mount",
            FunctionDescriptor.of(
                    ValueLayout.JAVA_INT,
                    ValueLayout.ADDRESS,
                    ValueLayout.ADDRESS,
                    ValueLayout.ADDRESS,
                    ValueLayout.JAVA_LONG,
                    ValueLayout.ADDRESS));
    private static final MethodHandle UMOUNT2 = NativeCall.errnoHandle(
            "umount2", FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_INT));

    private Mount() {}

    /** Null {@code source}, {@code fstype} or {@code data} pass NULL, as mount(2) allows. */
    public static void mount(String source, String target, String fstype, long flags, String data)
            throws ErrnoException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = NativeCall.callState(arena);
            int rc = (int) MOUNT.invokeExact(
                    state,
                    cString(arena, source),
                    arena.allocateFrom(target),
                    cString(arena, fstype),
                    flags,
                    cString(arena, data));
            if (rc != 0) {
                throw NativeCall.failure("mount", target, state);
            }
        } catch (ErrnoException e) {
            throw e;
        } catch (Throwable t) {
            throw NativeCall.rethrow(t);
        }
    }

    public static void unmount(String target, int flags) throws ErrnoException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = NativeCall.callState(arena);
            int rc = (int) UMOUNT2.invokeExact(state, arena.allocateFrom(target), flags);
            if (rc != 0) {
                throw NativeCall.failure("umount", target, state);
            }
        } catch (ErrnoException e) {
            throw e;
        } catch (Throwable t) {
            throw NativeCall.rethrow(t);
        }
    }

    /**
     * Lazily detaches the mount at {@code target}; one that is not mounted (any more) or gone is fine, which makes
     * every teardown idempotent.
     *
     * @return whether a mount was detached
     */
    public static boolean detach(String target) throws ErrnoException {
        try {
            unmount(target, MNT_DETACH);
            return true;
        } catch (ErrnoException e) {
            if (e.errno() == ErrnoException.EINVAL || e.errno() == ErrnoException.ENOENT) {
                return false;
            }
            throw e;
        }
    }

    private static MemorySegment cString(Arena arena, String s) {
        return s == null ? MemorySegment.NULL : arena.allocateFrom(s);
    }
}
