package dev.jcri.image.unpack;

import dev.jcri.linux.FileMetadata;
import dev.jcri.linux.FileTree;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;

/**
 * The directory a layer is unpacked into, and the only way the unpacker reaches paths inside it.
 *
 * <p>Every parent component is checked with lstat to be a real directory, never a symlink, so nothing a
 * layer creates can redirect a later entry outside. The final component is never followed either: callers
 * remove or create it with no-follow operations.
 */
final class LayerDirectory {
    private static final int IMPLICIT_DIRECTORY_MODE = 0755;

    private final Path root;

    LayerDirectory(Path dir) throws IOException {
        // The root's own ancestors may be symlinks (e.g. /var/lib on another disk); resolve them once.
        this.root = dir.toRealPath();
        if (!Files.isDirectory(root, LinkOption.NOFOLLOW_LINKS)) {
            throw new IOException(dir + " is not a directory");
        }
    }

    Path root() {
        return root;
    }

    /**
     * The on-disk path for an entry that is about to be created, with missing parent directories made
     * (0755, owned by us, as Docker does for parents a tar omits).
     */
    Path prepare(EntryPath entry) throws IOException {
        return parent(entry, true).resolve(entry.fileName());
    }

    /** The on-disk path of something the layer already holds, reached without following symlinks. */
    Path existing(EntryPath entry) throws IOException {
        if (entry.isRoot()) {
            return root;
        }
        Path path = parent(entry, false).resolve(entry.fileName());
        if (lstat(path) == null) {
            throw new InvalidLayerException(entry.name(), "\"" + entry.relative() + "\" does not exist in the layer");
        }
        return path;
    }

    /** The directory that holds the entry: the entry's own parent, or for a root-level entry the root. */
    Path parent(EntryPath entry, boolean create) throws IOException {
        Path current = root;
        for (String component : entry.parentComponents()) {
            current = current.resolve(component);
            BasicFileAttributes attributes = lstat(current);
            if (attributes == null) {
                if (!create) {
                    throw new InvalidLayerException(
                            entry.name(), "parent \"" + root.relativize(current) + "\" does not exist in the layer");
                }
                Files.createDirectory(current);
                FileMetadata.chmod(current, IMPLICIT_DIRECTORY_MODE);
            } else if (attributes.isSymbolicLink()) {
                throw new UnsafeLayerException(
                        entry.name(),
                        "parent \"" + root.relativize(current)
                                + "\" is a symlink; following it could leave the layer directory");
            } else if (!attributes.isDirectory()) {
                throw new InvalidLayerException(
                        entry.name(), "parent \"" + root.relativize(current) + "\" is not a directory");
            }
        }
        return current;
    }

    /** The path's own attributes, or null when nothing is there. */
    static BasicFileAttributes lstat(Path path) throws IOException {
        try {
            return Files.readAttributes(path, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        } catch (NoSuchFileException e) {
            return null;
        }
    }

    /** Deletes what is at {@code path} (a whole tree for a directory), following no symlink. */
    void remove(Path path) throws IOException {
        if (!path.startsWith(root) || path.equals(root)) {
            throw new IllegalArgumentException(path + " is not inside " + root);
        }
        FileTree.delete(path);
    }
}
