package dev.jcri.linux;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;

/**
 * Idmapped bind mounts (Linux 5.12): a clone of a directory's mount whose file owners are shown through a user
 * namespace's mapping, so that a user-namespaced container sees the image's root-owned files as its own root's
 * without a chown of the layers. open_tree(2) clones, mount_setattr(2) sets the mapping, move_mount(2) attaches.
 */
public final class IdmappedMount {
    private static final int AT_FDCWD = -100;
    private static final int AT_EMPTY_PATH = 0x1000;
    private static final int OPEN_TREE_CLONE = 1;
    private static final int AT_RECURSIVE = 0x8000;
    private static final int MOVE_MOUNT_F_EMPTY_PATH = 0x4;
    private static final long MOUNT_ATTR_RDONLY = 0x1;
    private static final long MOUNT_ATTR_IDMAP = 0x100000;
    /** struct mount_attr: attr_set, attr_clr, propagation, userns_fd, all u64. */
    private static final long MOUNT_ATTR_SIZE = 32;

    private static final MethodHandle OPEN_TREE = NativeCall.errnoHandle(
            "open_tree",
            FunctionDescriptor.of(
                    ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_INT));
    private static final MethodHandle MOUNT_SETATTR = NativeCall.errnoHandle(
            "mount_setattr",
            FunctionDescriptor.of(
                    ValueLayout.JAVA_INT,
                    ValueLayout.JAVA_INT,
                    ValueLayout.ADDRESS,
                    ValueLayout.JAVA_INT,
                    ValueLayout.ADDRESS,
                    ValueLayout.JAVA_LONG));
    private static final MethodHandle MOVE_MOUNT = NativeCall.errnoHandle(
            "move_mount",
            FunctionDescriptor.of(
                    ValueLayout.JAVA_INT,
                    ValueLayout.JAVA_INT,
                    ValueLayout.ADDRESS,
                    ValueLayout.JAVA_INT,
                    ValueLayout.ADDRESS,
                    ValueLayout.JAVA_INT));

    private IdmappedMount() {}

    /**
     * Mounts {@code source} on {@code target} (a file or directory like it) with the ID mapping of the user
     * namespace open on {@code usernsFd}; {@code recursive} takes its submounts along, each idmapped too. Every
     * filesystem involved must support idmapped mounts (ext4, xfs, btrfs, tmpfs since 6.3, ...).
     */
    public static void attach(String source, int usernsFd, String target, boolean readOnly, boolean recursive)
            throws ErrnoException {
        int tree = cloneWithMapping(source, usernsFd, readOnly, recursive);
        try {
            move(tree, target);
        } finally {
            OpenFiles.close(tree);
        }
    }

    /** Whether {@code source}'s filesystem takes an idmapped mount with that user namespace; attaches nothing. */
    public static boolean supported(String source, int usernsFd) {
        try {
            OpenFiles.close(cloneWithMapping(source, usernsFd, true, false));
            return true;
        } catch (ErrnoException e) {
            return false;
        }
    }

    /** A detached clone of the mount at {@code source}, idmapped; closing the descriptor discards it. */
    private static int cloneWithMapping(String source, int usernsFd, boolean readOnly, boolean recursive)
            throws ErrnoException {
        int recursion = recursive ? AT_RECURSIVE : 0;
        int tree;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = NativeCall.callState(arena);
            tree = (int) OPEN_TREE.invokeExact(
                    state, AT_FDCWD, arena.allocateFrom(source), OPEN_TREE_CLONE | OpenFiles.O_CLOEXEC | recursion);
            if (tree < 0) {
                throw NativeCall.failure("open_tree", source, state);
            }
        } catch (ErrnoException e) {
            throw e;
        } catch (Throwable t) {
            throw NativeCall.rethrow(t);
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = NativeCall.callState(arena);
            MemorySegment attr = arena.allocate(MOUNT_ATTR_SIZE, 8);
            attr.set(ValueLayout.JAVA_LONG, 0, MOUNT_ATTR_IDMAP | (readOnly ? MOUNT_ATTR_RDONLY : 0));
            attr.set(ValueLayout.JAVA_LONG, 24, usernsFd);
            int rc = (int) MOUNT_SETATTR.invokeExact(
                    state, tree, arena.allocateFrom(""), AT_EMPTY_PATH | recursion, attr, MOUNT_ATTR_SIZE);
            if (rc != 0) {
                throw NativeCall.failure("mount_setattr (idmap)", source, state);
            }
            return tree;
        } catch (ErrnoException e) {
            OpenFiles.close(tree);
            throw e;
        } catch (Throwable t) {
            OpenFiles.close(tree);
            throw NativeCall.rethrow(t);
        }
    }

    private static void move(int tree, String target) throws ErrnoException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = NativeCall.callState(arena);
            int rc = (int) MOVE_MOUNT.invokeExact(
                    state, tree, arena.allocateFrom(""), AT_FDCWD, arena.allocateFrom(target), MOVE_MOUNT_F_EMPTY_PATH);
            if (rc != 0) {
                throw NativeCall.failure("move_mount", target, state);
            }
        } catch (ErrnoException e) {
            throw e;
        } catch (Throwable t) {
            throw NativeCall.rethrow(t);
        }
    }
}
