package dev.jcri.linux;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * symlink(2) and readlink(2) with the target as a plain string.
 *
 * <p>java.nio turns a target into a Path first, which drops duplicate and trailing slashes; a trailing
 * slash changes what a symlink resolves to, so image content must keep the target byte for byte.
 */
public final class SymbolicLinks {
    private static final int PATH_MAX = 4096;

    private static final MethodHandle SYMLINK = NativeCall.errnoHandle(
            "symlink", FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.ADDRESS));
    private static final MethodHandle READLINK = NativeCall.errnoHandle(
            "readlink",
            FunctionDescriptor.of(
                    ValueLayout.JAVA_LONG, ValueLayout.ADDRESS, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG));

    private SymbolicLinks() {}

    public static void create(String target, Path link) throws ErrnoException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = NativeCall.callState(arena);
            int rc = (int) SYMLINK.invokeExact(state, arena.allocateFrom(target), arena.allocateFrom(link.toString()));
            if (rc != 0) {
                throw NativeCall.failure("symlink -> " + target, link.toString(), state);
            }
        } catch (ErrnoException e) {
            throw e;
        } catch (Throwable t) {
            throw NativeCall.rethrow(t);
        }
    }

    public static String read(Path link) throws ErrnoException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = NativeCall.callState(arena);
            MemorySegment buffer = arena.allocate(PATH_MAX);
            long length =
                    (long) READLINK.invokeExact(state, arena.allocateFrom(link.toString()), buffer, (long) PATH_MAX);
            if (length < 0) {
                throw NativeCall.failure("readlink", link.toString(), state);
            }
            return new String(buffer.asSlice(0, length).toArray(ValueLayout.JAVA_BYTE), StandardCharsets.UTF_8);
        } catch (ErrnoException e) {
            throw e;
        } catch (Throwable t) {
            throw NativeCall.rethrow(t);
        }
    }
}
