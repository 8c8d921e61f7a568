package dev.jcri.linux;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Extended attributes of a path itself (the l* variants: a symlink's own attributes, never its target's).
 *
 * <p>The JDK's UserDefinedFileAttributeView only reaches the {@code user.} namespace and follows symlinks;
 * layers also carry {@code security.} and overlay needs {@code trusted.} attributes.
 */
public final class ExtendedAttributes {
    public static final int ENODATA = 61;
    public static final int ERANGE = 34;
    public static final int ENOTSUP = 95;

    private static final MethodHandle LSETXATTR = NativeCall.errnoHandle(
            "lsetxattr",
            FunctionDescriptor.of(
                    ValueLayout.JAVA_INT,
                    ValueLayout.ADDRESS,
                    ValueLayout.ADDRESS,
                    ValueLayout.ADDRESS,
                    ValueLayout.JAVA_LONG,
                    ValueLayout.JAVA_INT));
    private static final MethodHandle LGETXATTR = NativeCall.errnoHandle(
            "lgetxattr",
            FunctionDescriptor.of(
                    ValueLayout.JAVA_LONG,
                    ValueLayout.ADDRESS,
                    ValueLayout.ADDRESS,
                    ValueLayout.ADDRESS,
                    ValueLayout.JAVA_LONG));
    private static final MethodHandle LLISTXATTR = NativeCall.errnoHandle(
            "llistxattr",
            FunctionDescriptor.of(
                    ValueLayout.JAVA_LONG, ValueLayout.ADDRESS, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG));

    private ExtendedAttributes() {}

    public static void set(Path path, String name, byte[] value) throws ErrnoException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = NativeCall.callState(arena);
            MemorySegment buffer =
                    value.length == 0 ? MemorySegment.NULL : arena.allocateFrom(ValueLayout.JAVA_BYTE, value);
            int rc = (int) LSETXATTR.invokeExact(
                    state,
                    arena.allocateFrom(path.toString()),
                    arena.allocateFrom(name),
                    buffer,
                    (long) value.length,
                    0);
            if (rc != 0) {
                throw NativeCall.failure("lsetxattr " + name, path.toString(), state);
            }
        } catch (ErrnoException e) {
            throw e;
        } catch (Throwable t) {
            throw NativeCall.rethrow(t);
        }
    }

    /** The attribute's value, or empty when the path has no such attribute. */
    public static Optional<byte[]> get(Path path, String name) throws ErrnoException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = NativeCall.callState(arena);
            MemorySegment cPath = arena.allocateFrom(path.toString());
            MemorySegment cName = arena.allocateFrom(name);
            // The value may grow between the size query and the read; retry on ERANGE.
            while (true) {
                long size = (long) LGETXATTR.invokeExact(state, cPath, cName, MemorySegment.NULL, 0L);
                if (size < 0) {
                    if (NativeCall.errno(state) == ENODATA) {
                        return Optional.empty();
                    }
                    throw NativeCall.failure("lgetxattr " + name, path.toString(), state);
                }
                MemorySegment buffer = arena.allocate(Math.max(size, 1));
                long read = (long) LGETXATTR.invokeExact(state, cPath, cName, buffer, size);
                if (read >= 0) {
                    return Optional.of(buffer.asSlice(0, read).toArray(ValueLayout.JAVA_BYTE));
                }
                if (NativeCall.errno(state) != ERANGE) {
                    if (NativeCall.errno(state) == ENODATA) {
                        return Optional.empty();
                    }
                    throw NativeCall.failure("lgetxattr " + name, path.toString(), state);
                }
            }
        } catch (ErrnoException e) {
            throw e;
        } catch (Throwable t) {
            throw NativeCall.rethrow(t);
        }
    }

    public static List<String> list(Path path) throws ErrnoException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = NativeCall.callState(arena);
            MemorySegment cPath = arena.allocateFrom(path.toString());
            while (true) {
                long size = (long) LLISTXATTR.invokeExact(state, cPath, MemorySegment.NULL, 0L);
                if (size < 0) {
                    throw NativeCall.failure("llistxattr", path.toString(), state);
                }
                if (size == 0) {
                    return List.of();
                }
                MemorySegment buffer = arena.allocate(size);
                long read = (long) LLISTXATTR.invokeExact(state, cPath, buffer, size);
                if (read >= 0) {
                    return splitNames(buffer.asSlice(0, read).toArray(ValueLayout.JAVA_BYTE));
                }
                if (NativeCall.errno(state) != ERANGE) {
                    throw NativeCall.failure("llistxattr", path.toString(), state);
                }
            }
        } catch (ErrnoException e) {
            throw e;
        } catch (Throwable t) {
            throw NativeCall.rethrow(t);
        }
    }

    /** The kernel returns the names NUL-separated, each one NUL-terminated. */
    private static List<String> splitNames(byte[] raw) {
        List<String> names = new ArrayList<>();
        int start = 0;
        for (int i = 0; i < raw.length; i++) {
            if (raw[i] == 0) {
                if (i > start) {
                    names.add(new String(raw, start, i - start, StandardCharsets.UTF_8));
                }
                start = i + 1;
            }
        }
        return List.copyOf(names);
    }
}
