package dev.jcri.sandbox.checkpoint;

import dev.jcri.linux.FileMetadata;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;

/**
 * A container's changes to its image, as checkpoint archives carry them: what it wrote ({@code rootfs-diff.tar},
 * read from the overlay upper dir) and what it deleted ({@code deleted.files}, the upper dir's whiteouts, as
 * paths relative to the rootfs). Applied to a new container's mounted rootfs on restore, where overlayfs turns
 * the writes into its upper dir and the deletions into whiteouts again.
 *
 * <p>Regular files, directories, symbolic links and FIFOs with their owner, mode and mtime; hard links become
 * copies; extended attributes and opaque-directory markers are not carried (CRI-O's diff leaves them out too).
 */
public final class RootfsDiff {
    private static final int S_IFMT = 0170000;
    private static final int S_IFCHR = 0020000;

    private RootfsDiff() {}

    /**
     * Writes the upper dir's content to {@code tarFile} and returns the deleted paths (sorted, no leading slash).
     *
     * @param excluded paths relative to the rootfs the runtime made as mount points (the pod's hosts and
     *     resolv.conf, volumes): the restored container gets its own
     */
    public static List<String> capture(Path upper, Set<String> excluded, Path tarFile) throws IOException {
        Set<String> deleted = new TreeSet<>();
        try (OutputStream file = Files.newOutputStream(tarFile);
                TarArchiveOutputStream tar = new TarArchiveOutputStream(file)) {
            tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
            tar.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
            walk(upper, upper, excluded, tar, deleted);
            tar.finish();
        }
        return List.copyOf(deleted);
    }

    private static void walk(
            Path upper, Path dir, Set<String> excluded, TarArchiveOutputStream tar, Set<String> deleted)
            throws IOException {
        List<Path> children = new ArrayList<>();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
            entries.forEach(children::add);
        }
        children.sort(null);
        for (Path child : children) {
            String name = upper.relativize(child).toString();
            if (excluded.contains(name)) {
                continue;
            }
            Map<String, Object> unix = Files.readAttributes(child, "unix:mode,uid,gid,rdev", LinkOption.NOFOLLOW_LINKS);
            int mode = (Integer) unix.get("mode");
            if ((mode & S_IFMT) == S_IFCHR && ((Long) unix.get("rdev")) == 0) {
                deleted.add(name); // an overlay whiteout
                continue;
            }
            TarArchiveEntry entry;
            boolean regular = false;
            if (Files.isSymbolicLink(child)) {
                entry = new TarArchiveEntry(name, TarArchiveEntry.LF_SYMLINK);
                entry.setLinkName(Files.readSymbolicLink(child).toString());
            } else if (Files.isDirectory(child, LinkOption.NOFOLLOW_LINKS)) {
                entry = new TarArchiveEntry(name + "/");
            } else if (Files.isRegularFile(child, LinkOption.NOFOLLOW_LINKS)) {
                entry = new TarArchiveEntry(name);
                entry.setSize(Files.size(child));
                regular = true;
            } else if ((mode & S_IFMT) == 0010000) {
                entry = new TarArchiveEntry(name, TarArchiveEntry.LF_FIFO);
            } else {
                continue; // sockets and device nodes: the runtime makes the devices a container has
            }
            entry.setMode(mode & 07777);
            entry.setUserId(((Integer) unix.get("uid")).longValue());
            entry.setGroupId(((Integer) unix.get("gid")).longValue());
            entry.setModTime(Files.getLastModifiedTime(child, LinkOption.NOFOLLOW_LINKS));
            tar.putArchiveEntry(entry);
            if (regular) {
                try (InputStream in = Files.newInputStream(child, LinkOption.NOFOLLOW_LINKS)) {
                    in.transferTo(tar);
                }
            }
            tar.closeArchiveEntry();
            if (entry.isDirectory()) {
                walk(upper, child, excluded, tar, deleted);
            }
        }
    }

    /**
     * Applies a diff to a mounted rootfs: deletes the deleted paths, then writes the tar's entries (a missing tar
     * has none). No entry may
     * leave the rootfs: absolute names, {@code ..} and names below a symbolic link are refused (the archive is
     * input from outside, like an image layer).
     */
    public static void apply(Path tarFile, List<String> deletedPaths, Path rootfs) throws IOException {
        for (String deleted : deletedPaths) {
            Path target = inside(rootfs, deleted);
            if (Files.isDirectory(target, LinkOption.NOFOLLOW_LINKS)) {
                dev.jcri.linux.FileTree.delete(target);
            } else {
                Files.deleteIfExists(target);
            }
        }
        if (!Files.isRegularFile(tarFile)) {
            return;
        }
        List<TarArchiveEntry> directories = new ArrayList<>();
        try (InputStream file = Files.newInputStream(tarFile);
                TarArchiveInputStream tar = new TarArchiveInputStream(file)) {
            TarArchiveEntry entry;
            while ((entry = tar.getNextEntry()) != null) {
                Path target = inside(rootfs, entry.getName());
                if (entry.isDirectory()) {
                    if (!Files.isDirectory(target, LinkOption.NOFOLLOW_LINKS)) {
                        Files.deleteIfExists(target);
                        Files.createDirectory(target);
                    }
                    directories.add(entry);
                    continue;
                }
                if (Files.isDirectory(target, LinkOption.NOFOLLOW_LINKS)) {
                    dev.jcri.linux.FileTree.delete(target);
                } else {
                    Files.deleteIfExists(target);
                }
                if (entry.isSymbolicLink()) {
                    Files.createSymbolicLink(target, Path.of(entry.getLinkName()));
                } else if (entry.isFile() && !entry.isLink()) {
                    Files.copy(tar, target);
                } else if (entry.isFIFO()) {
                    dev.jcri.linux.DeviceNodes.createFifo(target, entry.getMode() & 07777);
                } else {
                    throw new IOException("rootfs diff: unsupported entry type of " + entry.getName());
                }
                setMetadata(target, entry);
            }
        } catch (FileAlreadyExistsException e) {
            throw new IOException("rootfs diff: " + e.getFile() + " appears twice", e);
        }
        // Last, so that writing the files did not change a directory's mtime again.
        for (TarArchiveEntry dir : directories.reversed()) {
            setMetadata(inside(rootfs, dir.getName()), dir);
        }
    }

    private static void setMetadata(Path target, TarArchiveEntry entry) throws IOException {
        FileMetadata.lchown(target, (int) entry.getLongUserId(), (int) entry.getLongGroupId());
        if (!entry.isSymbolicLink()) {
            FileMetadata.chmod(target, entry.getMode() & 07777);
            Files.setLastModifiedTime(target, FileTime.from(entry.getModTime().toInstant()));
        }
    }

    /**
     * {@code name} under {@code root}, refused when it would leave it: absolute, with {@code ..}, or below an
     * existing symbolic link.
     */
    static Path inside(Path root, String name) throws IOException {
        String trimmed = name.startsWith("./") ? name.substring(2) : name;
        while (trimmed.endsWith("/")) {
            trimmed = trimmed.substring(0, trimmed.length() - 1);
        }
        if (trimmed.isEmpty() || trimmed.startsWith("/") || trimmed.indexOf('\0') >= 0) {
            throw new IOException("unsafe path in checkpoint archive: \"" + name + "\"");
        }
        Path relative = Path.of(trimmed);
        Path target = root;
        for (int i = 0; i < relative.getNameCount(); i++) {
            String part = relative.getName(i).toString();
            if (part.equals("..") || part.equals(".")) {
                throw new IOException("unsafe path in checkpoint archive: \"" + name + "\"");
            }
            if (i > 0 && Files.isSymbolicLink(target)) {
                throw new IOException("unsafe path in checkpoint archive: \"" + name + "\" is below a symbolic link");
            }
            target = target.resolve(part);
        }
        return target;
    }
}
