package dev.jcri.image.unpack;

import dev.jcri.linux.ErrnoException;
import dev.jcri.linux.ExtendedAttributes;
import dev.jcri.linux.FileMetadata;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Map;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The metadata a tar entry carries for the file it creates: owner, permission bits, times and xattrs.
 *
 * <p>Applied in the order the kernel requires: chown first (it clears setuid/setgid bits and file
 * capabilities), then the mode, then xattrs (so {@code security.capability} survives), then times (every
 * earlier step touches ctime only, but writes inside a directory move its mtime, so directories get their
 * times last of all, from the unpacker).
 */
record EntryAttributes(
        int uid, int gid, int mode, Instant accessTime, Instant modificationTime, Map<String, byte[]> xattrs) {
    private static final Logger LOG = LoggerFactory.getLogger(EntryAttributes.class);
    /** uid_t -1 means "leave unchanged" to chown, so it cannot be an owner. */
    private static final long MAX_ID = 0xFFFFFFFEL;
    /**
     * Overlay interprets its own xattrs on the layer dirs (opaque, redirect, metacopy); a layer may only
     * express opacity through its whiteout marker, never by carrying these directly.
     */
    private static final String OVERLAY_XATTR_PREFIX = "trusted.overlay.";

    static EntryAttributes of(TarArchiveEntry entry, Map<String, byte[]> xattrs) throws InvalidLayerException {
        long uid = entry.getLongUserId();
        long gid = entry.getLongGroupId();
        if (uid < 0 || uid > MAX_ID || gid < 0 || gid > MAX_ID) {
            throw new InvalidLayerException(entry.getName(), "owner " + uid + ":" + gid + " is out of range");
        }
        Instant mtime = entry.getLastModifiedTime().toInstant();
        Instant atime = entry.getLastAccessTime() == null
                ? mtime
                : entry.getLastAccessTime().toInstant();
        return new EntryAttributes((int) uid, (int) gid, entry.getMode() & 07777, atime, mtime, Map.copyOf(xattrs));
    }

    /** Everything but directory times; a symlink gets its own owner, xattrs and times, and has no mode. */
    void apply(Path path, boolean symlink, boolean directory, String entryName) throws IOException {
        FileMetadata.lchown(path, uid, gid);
        if (!symlink) {
            FileMetadata.chmod(path, mode);
        }
        for (Map.Entry<String, byte[]> xattr : xattrs.entrySet()) {
            setXattr(path, xattr.getKey(), xattr.getValue(), entryName);
        }
        if (!directory) {
            applyTimes(path);
        }
    }

    void applyTimes(Path path) throws ErrnoException {
        FileMetadata.setTimes(path, accessTime, modificationTime);
    }

    private static void setXattr(Path path, String name, byte[] value, String entryName) throws ErrnoException {
        if (name.startsWith(OVERLAY_XATTR_PREFIX)) {
            LOG.warn(
                    "layer entry \"{}\": dropping xattr {}: overlay metadata is not accepted from image content",
                    entryName,
                    name);
            return;
        }
        try {
            ExtendedAttributes.set(path, name, value);
        } catch (ErrnoException e) {
            // The filesystem lacks support, or (EPERM) user.* on a symlink or device: what Docker skips too.
            if (e.errno() == ExtendedAttributes.ENOTSUP || e.errno() == ErrnoException.EPERM) {
                LOG.warn("layer entry \"{}\": cannot set xattr {}: {}", entryName, name, e.getMessage());
                return;
            }
            throw e;
        }
    }
}
