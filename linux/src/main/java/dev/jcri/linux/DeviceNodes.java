package dev.jcri.linux;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.file.Path;

/** mknod(2) for character and block devices and fifos, and the glibc dev_t encoding. */
public final class DeviceNodes {
    public static final int S_IFIFO = 0010000;
    public static final int S_IFCHR = 0020000;
    public static final int S_IFBLK = 0060000;

    private static final MethodHandle MKNOD = NativeCall.errnoHandle(
            "mknod",
            FunctionDescriptor.of(
                    ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG));

    private DeviceNodes() {}

    public static void createCharacterDevice(Path path, int permissions, int major, int minor) throws ErrnoException {
        mknod(path, S_IFCHR | (permissions & 07777), makedev(major, minor));
    }

    public static void createBlockDevice(Path path, int permissions, int major, int minor) throws ErrnoException {
        mknod(path, S_IFBLK | (permissions & 07777), makedev(major, minor));
    }

    public static void createFifo(Path path, int permissions) throws ErrnoException {
        mknod(path, S_IFIFO | (permissions & 07777), 0L);
    }

    /** The mode is still filtered by the process umask; callers wanting exact bits chmod afterwards. */
    public static void mknod(Path path, int mode, long device) throws ErrnoException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = NativeCall.callState(arena);
            int rc = (int) MKNOD.invokeExact(state, arena.allocateFrom(path.toString()), mode, device);
            if (rc != 0) {
                throw NativeCall.failure(
                        "mknod " + Integer.toOctalString(mode) + " " + major(device) + ":" + minor(device),
                        path.toString(),
                        state);
            }
        } catch (ErrnoException e) {
            throw e;
        } catch (Throwable t) {
            throw NativeCall.rethrow(t);
        }
    }

    /** glibc's 64-bit dev_t: major and minor are each split into a low and a high part. */
    public static long makedev(int major, int minor) {
        long ma = Integer.toUnsignedLong(major);
        long mi = Integer.toUnsignedLong(minor);
        return ((ma & 0xfffff000L) << 32) | ((ma & 0xfffL) << 8) | ((mi & 0xffffff00L) << 12) | (mi & 0xffL);
    }

    public static int major(long device) {
        return (int) (((device >>> 32) & 0xfffff000L) | ((device >>> 8) & 0xfffL));
    }

    public static int minor(long device) {
        return (int) (((device >>> 12) & 0xffffff00L) | (device & 0xffL));
    }
}
