package dev.jcri.linux;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.file.Path;
import java.time.Instant;

/**
 * Ownership, full mode bits and timestamps of a path, never following a symlink in the last component.
 *
 * <p>The JDK can neither set setuid/setgid/sticky bits nor change a symlink's own owner or times, which
 * image layers need.
 */
public final class FileMetadata {
    static final int AT_FDCWD = -100;
    static final int AT_SYMLINK_NOFOLLOW = 0x100;

    private static final MethodHandle FCHOWNAT = NativeCall.errnoHandle(
            "fchownat",
            FunctionDescriptor.of(
                    ValueLayout.JAVA_INT,
                    ValueLayout.JAVA_INT,
                    ValueLayout.ADDRESS,
                    ValueLayout.JAVA_INT,
                    ValueLayout.JAVA_INT,
                    ValueLayout.JAVA_INT));
    private static final MethodHandle FCHMODAT = NativeCall.errnoHandle(
            "fchmodat",
            FunctionDescriptor.of(
                    ValueLayout.JAVA_INT,
                    ValueLayout.JAVA_INT,
                    ValueLayout.ADDRESS,
                    ValueLayout.JAVA_INT,
                    ValueLayout.JAVA_INT));
    private static final MethodHandle UTIMENSAT = NativeCall.errnoHandle(
            "utimensat",
            FunctionDescriptor.of(
                    ValueLayout.JAVA_INT,
                    ValueLayout.JAVA_INT,
                    ValueLayout.ADDRESS,
                    ValueLayout.ADDRESS,
                    ValueLayout.JAVA_INT));

    private FileMetadata() {}

    /** lchown(2): changes the owner of {@code path} itself, also when it is a symlink. */
    public static void lchown(Path path, int uid, int gid) throws ErrnoException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = NativeCall.callState(arena);
            int rc = (int) FCHOWNAT.invokeExact(
                    state, AT_FDCWD, arena.allocateFrom(path.toString()), uid, gid, AT_SYMLINK_NOFOLLOW);
            if (rc != 0) {
                throw NativeCall.failure(
                        "lchown " + Integer.toUnsignedString(uid) + ":" + Integer.toUnsignedString(gid),
                        path.toString(),
                        state);
            }
        } catch (ErrnoException e) {
            throw e;
        } catch (Throwable t) {
            throw NativeCall.rethrow(t);
        }
    }

    /**
     * Sets all twelve permission bits (including setuid, setgid, sticky).
     *
     * <p>AT_SYMLINK_NOFOLLOW makes the call fail on a symlink instead of changing whatever it points to;
     * Linux symlinks have no mode of their own.
     */
    public static void chmod(Path path, int mode) throws ErrnoException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = NativeCall.callState(arena);
            int rc = (int) FCHMODAT.invokeExact(
                    state, AT_FDCWD, arena.allocateFrom(path.toString()), mode & 07777, AT_SYMLINK_NOFOLLOW);
            if (rc != 0) {
                throw NativeCall.failure("chmod " + Integer.toOctalString(mode & 07777), path.toString(), state);
            }
        } catch (ErrnoException e) {
            throw e;
        } catch (Throwable t) {
            throw NativeCall.rethrow(t);
        }
    }

    /** utimensat(2) with AT_SYMLINK_NOFOLLOW: sets the access and modification times of the path itself. */
    public static void setTimes(Path path, Instant accessTime, Instant modificationTime) throws ErrnoException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = NativeCall.callState(arena);
            // struct timespec[2] { {tv_sec, tv_nsec}, {tv_sec, tv_nsec} }: access first, then modification.
            MemorySegment times = arena.allocate(ValueLayout.JAVA_LONG, 4);
            times.setAtIndex(ValueLayout.JAVA_LONG, 0, accessTime.getEpochSecond());
            times.setAtIndex(ValueLayout.JAVA_LONG, 1, accessTime.getNano());
            times.setAtIndex(ValueLayout.JAVA_LONG, 2, modificationTime.getEpochSecond());
            times.setAtIndex(ValueLayout.JAVA_LONG, 3, modificationTime.getNano());
            int rc = (int) UTIMENSAT.invokeExact(
                    state, AT_FDCWD, arena.allocateFrom(path.toString()), times, AT_SYMLINK_NOFOLLOW);
            if (rc != 0) {
                throw NativeCall.failure("utimensat", path.toString(), state);
            }
        } catch (ErrnoException e) {
            throw e;
        } catch (Throwable t) {
            throw NativeCall.rethrow(t);
        }
    }
}
