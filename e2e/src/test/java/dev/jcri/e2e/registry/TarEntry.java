package dev.jcri.e2e.registry;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One entry of a layer tar. {@code path} is relative to the layer root (a leading {@code /} is dropped when
 * written); {@code mode} holds permission and setuid/setgid/sticky bits only; {@code linkTarget} is the symlink
 * target or the hardlinked path; {@code xattrs} become PAX {@code SCHILY.xattr.*} records. Build one with the static
 * factories, then adjust with the {@code with*} methods.
 */
public record TarEntry(
        Type type,
        String path,
        int mode,
        long uid,
        long gid,
        Instant mtime,
        byte[] content,
        String linkTarget,
        int devMajor,
        int devMinor,
        Map<String, byte[]> xattrs,
        String uname,
        String gname) {

    /** A fixed mtime, so layers (and so their digests) are the same on every run. */
    public static final Instant DEFAULT_MTIME = Instant.parse("2024-01-01T00:00:00Z");

    public enum Type {
        FILE('0'),
        HARDLINK('1'),
        SYMLINK('2'),
        CHAR_DEVICE('3'),
        BLOCK_DEVICE('4'),
        DIRECTORY('5'),
        FIFO('6');

        final char flag;

        Type(char flag) {
            this.flag = flag;
        }
    }

    public TarEntry {
        xattrs = Collections.unmodifiableMap(new LinkedHashMap<>(xattrs));
        if (content == null) {
            content = new byte[0];
        }
        if (type != Type.FILE && content.length > 0) {
            throw new IllegalArgumentException(type + " " + path + " cannot have content");
        }
    }

    public static TarEntry file(String path, byte[] content, int mode) {
        return new TarEntry(Type.FILE, path, mode, 0, 0, DEFAULT_MTIME, content, "", 0, 0, Map.of(), "", "");
    }

    public static TarEntry file(String path, String content, int mode) {
        return file(path, content.getBytes(StandardCharsets.UTF_8), mode);
    }

    public static TarEntry directory(String path, int mode) {
        return new TarEntry(Type.DIRECTORY, path, mode, 0, 0, DEFAULT_MTIME, null, "", 0, 0, Map.of(), "", "");
    }

    public static TarEntry symlink(String path, String target) {
        return new TarEntry(Type.SYMLINK, path, 0777, 0, 0, DEFAULT_MTIME, null, target, 0, 0, Map.of(), "", "");
    }

    /** A hardlink to {@code target}, a path (relative to the layer root) written earlier in this or a lower layer. */
    public static TarEntry hardlink(String path, String target) {
        return new TarEntry(Type.HARDLINK, path, 0644, 0, 0, DEFAULT_MTIME, null, target, 0, 0, Map.of(), "", "");
    }

    public static TarEntry charDevice(String path, int mode, int major, int minor) {
        return new TarEntry(
                Type.CHAR_DEVICE, path, mode, 0, 0, DEFAULT_MTIME, null, "", major, minor, Map.of(), "", "");
    }

    public static TarEntry blockDevice(String path, int mode, int major, int minor) {
        return new TarEntry(
                Type.BLOCK_DEVICE, path, mode, 0, 0, DEFAULT_MTIME, null, "", major, minor, Map.of(), "", "");
    }

    public static TarEntry fifo(String path, int mode) {
        return new TarEntry(Type.FIFO, path, mode, 0, 0, DEFAULT_MTIME, null, "", 0, 0, Map.of(), "", "");
    }

    public TarEntry withMode(int newMode) {
        return new TarEntry(
                type, path, newMode, uid, gid, mtime, content, linkTarget, devMajor, devMinor, xattrs, uname, gname);
    }

    public TarEntry withOwner(long newUid, long newGid) {
        return new TarEntry(
                type, path, mode, newUid, newGid, mtime, content, linkTarget, devMajor, devMinor, xattrs, uname, gname);
    }

    /** User and group names stored next to the numeric ids (runtimes use the ids). */
    public TarEntry withOwnerNames(String newUname, String newGname) {
        return new TarEntry(
                type, path, mode, uid, gid, mtime, content, linkTarget, devMajor, devMinor, xattrs, newUname, newGname);
    }

    /** Sub-second precision is kept (written as a PAX {@code mtime} record). */
    public TarEntry withMtime(Instant newMtime) {
        return new TarEntry(
                type, path, mode, uid, gid, newMtime, content, linkTarget, devMajor, devMinor, xattrs, uname, gname);
    }

    public TarEntry withXattr(String name, byte[] value) {
        Map<String, byte[]> x = new LinkedHashMap<>(xattrs);
        x.put(name, value);
        return new TarEntry(
                type, path, mode, uid, gid, mtime, content, linkTarget, devMajor, devMinor, x, uname, gname);
    }

    public TarEntry withXattr(String name, String value) {
        return withXattr(name, value.getBytes(StandardCharsets.UTF_8));
    }

    @Override
    public String toString() {
        return type + " " + path + (linkTarget.isEmpty() ? "" : " -> " + linkTarget) + " mode "
                + Integer.toOctalString(mode) + " " + uid + ":" + gid;
    }
}
