package dev.jcri.image.unpack;

import dev.jcri.linux.DeviceNodes;
import dev.jcri.linux.ExtendedAttributes;
import dev.jcri.linux.NativeSha256;
import dev.jcri.linux.SymbolicLinks;
import java.io.BufferedInputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Unpacks one image layer (a tar, gzip- or zstd-compressed or not) into an overlay "diff" directory.
 *
 * <p>This is a security boundary: image content is untrusted, and nothing it says may create or change
 * anything outside the layer directory. Names are reduced lexically ({@link EntryPath}), every parent
 * directory is reached without following symlinks ({@link LayerDirectory}), hardlinks may only point at
 * what the layer already holds, and no syscall follows a symlink in its last component. Symlinks themselves
 * are created with their target verbatim: they are harmless as long as nothing here follows them.
 *
 * <p>OCI whiteouts become overlayfs ones: {@code .wh.<name>} a 0:0 character device {@code <name>},
 * {@code .wh..wh..opq} the xattr {@code trusted.overlay.opaque=y} on its directory.
 */
public final class LayerUnpacker {
    static final String WHITEOUT_PREFIX = ".wh.";
    static final String OPAQUE_MARKER = ".wh..wh..opq";
    /** AUFS bookkeeping entries (.wh..wh.plnk, .wh..wh.aufs) that Docker skips as well. */
    static final String AUFS_METADATA_PREFIX = ".wh..wh.";

    static final String OPAQUE_XATTR = "trusted.overlay.opaque";

    private static final Logger LOG = LoggerFactory.getLogger(LayerUnpacker.class);

    private final LayerDirectory layer;
    /** Directory times to set once nothing more is written into them; keyed by relative path, last entry wins. */
    private final Map<String, PendingTimes> directoryTimes = new LinkedHashMap<>();

    private long entries;
    private long directories;
    private long files;
    private long symlinks;
    private long hardlinks;
    private long devices;
    private long whiteouts;
    private long opaqueDirectories;
    private long fileBytes;

    private record PendingTimes(EntryPath path, EntryAttributes attributes) {}

    private enum Kind {
        DIRECTORY,
        FILE,
        SYMLINK,
        HARDLINK,
        CHARACTER_DEVICE,
        BLOCK_DEVICE,
        FIFO
    }

    private LayerUnpacker(LayerDirectory layer) {
        this.layer = layer;
    }

    /**
     * Unpacks {@code layerBlob} into {@code layerDir}, which should be empty and written by no one else
     * meanwhile. Reads the blob to its end (so a digest computed over it covers every byte) but does not
     * close it. On failure the directory holds part of the layer: unpack into a work directory and publish it
     * only on success.
     *
     * @throws UnsafeLayerException when an entry would reach outside {@code layerDir}
     * @throws InvalidLayerException when an entry cannot be unpacked as it stands
     */
    public static UnpackSummary unpack(InputStream layerBlob, Path layerDir) throws IOException {
        LayerUnpacker unpacker = new LayerUnpacker(new LayerDirectory(layerDir));
        BufferedInputStream blob = new BufferedInputStream(
                new FilterInputStream(layerBlob) {
                    @Override
                    public void close() {
                        // The caller owns the blob stream.
                    }
                },
                64 * 1024);
        Compression compression = Compression.detect(blob);
        MessageDigest diffId = sha256();
        try (InputStream content = compression.decompress(blob)) {
            PaxXattrTap tap = new PaxXattrTap(new DigestInputStream(content, diffId));
            unpacker.extract(new TarArchiveInputStream(tap, StandardCharsets.UTF_8.name()), tap);
            unpacker.finishDirectoryTimes();
            // Past the tar's end-of-archive blocks: gzip checks its CRC at the very end, the DiffID covers the
            // whole uncompressed stream, and a digest computed over the blob must see every byte too.
            tap.transferTo(OutputStream.nullOutputStream());
            blob.transferTo(OutputStream.nullOutputStream());
        }
        return unpacker.summary(compression, "sha256:" + HexFormat.of().formatHex(diffId.digest()));
    }

    private static MessageDigest sha256() {
        Optional<MessageDigest> fast = NativeSha256.create();
        if (fast.isPresent()) {
            return fast.get();
        }
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK provides SHA-256", e);
        }
    }

    private void extract(TarArchiveInputStream tar, PaxXattrTap tap) throws IOException {
        while (true) {
            tap.startHeaders();
            TarArchiveEntry entry = tar.getNextEntry();
            Map<String, byte[]> xattrs = tap.finishHeaders();
            if (entry == null) {
                return;
            }
            entries++;
            unpackEntry(entry, tar, checked(entry, xattrs));
            // The tap expects the next header to start where this entry's data ends.
            tar.transferTo(OutputStream.nullOutputStream());
        }
    }

    /** The tap's raw values must be what commons-compress saw, decoded; otherwise the tap lost its place. */
    private static Map<String, byte[]> checked(TarArchiveEntry entry, Map<String, byte[]> raw) throws IOException {
        Map<String, String> decoded = new LinkedHashMap<>();
        entry.getExtraPaxHeaders().forEach((key, value) -> {
            if (key.startsWith(PaxXattrTap.XATTR_PREFIX) && !value.isEmpty()) {
                decoded.put(key.substring(PaxXattrTap.XATTR_PREFIX.length()), value);
            }
        });
        boolean same = decoded.keySet().equals(raw.keySet())
                && raw.entrySet().stream()
                        .allMatch(
                                e -> new String(e.getValue(), StandardCharsets.UTF_8).equals(decoded.get(e.getKey())));
        if (!same) {
            throw new InvalidLayerException(entry.getName(), "its xattr headers could not be read consistently");
        }
        return raw;
    }

    private void unpackEntry(TarArchiveEntry entry, TarArchiveInputStream tar, Map<String, byte[]> xattrs)
            throws IOException {
        String name = entry.getName();
        EntryPath path = EntryPath.of(name);
        Kind kind = kindOf(entry);
        if (path.isRoot()) {
            if (kind != Kind.DIRECTORY) {
                throw new UnsafeLayerException(name, "would replace the layer directory itself");
            }
            EntryAttributes attributes = EntryAttributes.of(entry, xattrs);
            attributes.apply(layer.root(), false, true, name);
            deferTimes(path, attributes);
            directories++;
            return;
        }
        if (path.fileName().startsWith(WHITEOUT_PREFIX)) {
            whiteout(path);
            return;
        }
        Path target = layer.prepare(path);
        BasicFileAttributes existing = LayerDirectory.lstat(target);
        if (kind == Kind.HARDLINK) {
            hardlink(entry, target, existing);
            return;
        }
        boolean keepDirectory = kind == Kind.DIRECTORY && existing != null && existing.isDirectory();
        if (existing != null && !keepDirectory) {
            layer.remove(target);
        }
        EntryAttributes attributes = EntryAttributes.of(entry, xattrs);
        switch (kind) {
            case DIRECTORY -> {
                if (!keepDirectory) {
                    Files.createDirectory(target);
                }
                deferTimes(path, attributes);
                directories++;
            }
            case FILE -> {
                try (OutputStream out =
                        Files.newOutputStream(target, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                    fileBytes += tar.transferTo(out);
                }
                files++;
            }
            case SYMLINK -> {
                if (entry.getLinkName().isEmpty()) {
                    throw new InvalidLayerException(name, "symlink has an empty target");
                }
                SymbolicLinks.create(entry.getLinkName(), target);
                symlinks++;
            }
            case CHARACTER_DEVICE -> {
                DeviceNodes.createCharacterDevice(target, 0, entry.getDevMajor(), entry.getDevMinor());
                devices++;
            }
            case BLOCK_DEVICE -> {
                DeviceNodes.createBlockDevice(target, 0, entry.getDevMajor(), entry.getDevMinor());
                devices++;
            }
            case FIFO -> {
                DeviceNodes.createFifo(target, 0);
                devices++;
            }
            case HARDLINK -> throw new IllegalStateException("handled above");
        }
        attributes.apply(target, kind == Kind.SYMLINK, kind == Kind.DIRECTORY, name);
    }

    private static Kind kindOf(TarArchiveEntry entry) throws InvalidLayerException {
        if (entry.isDirectory()) {
            return Kind.DIRECTORY;
        }
        return switch (entry.getLinkFlag()) {
            // '7' is "contiguous", an old hint plain files may carry; 'S' is GNU's old sparse format.
            case '0', 0, '7', 'S' -> Kind.FILE;
            case '1' -> Kind.HARDLINK;
            case '2' -> Kind.SYMLINK;
            case '3' -> Kind.CHARACTER_DEVICE;
            case '4' -> Kind.BLOCK_DEVICE;
            case '6' -> Kind.FIFO;
            default ->
                throw new InvalidLayerException(
                        entry.getName(), "unsupported tar entry type '" + (char) entry.getLinkFlag() + "'");
        };
    }

    /**
     * A hardlink shares the inode of an entry this layer already unpacked; the header's own metadata is not
     * applied, as it would rewrite that shared inode.
     */
    private void hardlink(TarArchiveEntry entry, Path target, BasicFileAttributes existing) throws IOException {
        String name = entry.getName();
        Path source;
        try {
            EntryPath sourcePath = EntryPath.of(entry.getLinkName());
            if (sourcePath.isRoot()) {
                throw new UnsafeLayerException(entry.getLinkName(), "is the layer directory itself");
            }
            source = layer.existing(sourcePath);
        } catch (UnsafeLayerException e) {
            throw new UnsafeLayerException(name, "hardlink target \"" + entry.getLinkName() + "\": " + e.problem());
        } catch (InvalidLayerException e) {
            throw new InvalidLayerException(name, "hardlink target \"" + entry.getLinkName() + "\": " + e.problem());
        }
        if (LayerDirectory.lstat(source).isDirectory()) {
            throw new InvalidLayerException(name, "hardlink target \"" + entry.getLinkName() + "\" is a directory");
        }
        if (source.equals(target)) {
            return;
        }
        if (existing != null) {
            layer.remove(target);
        }
        Files.createLink(target, source);
        hardlinks++;
    }

    private void whiteout(EntryPath path) throws IOException {
        String marker = path.fileName();
        if (marker.equals(OPAQUE_MARKER)) {
            Path directory = layer.parent(path, true);
            ExtendedAttributes.set(directory, OPAQUE_XATTR, "y".getBytes(StandardCharsets.US_ASCII));
            opaqueDirectories++;
            return;
        }
        if (marker.startsWith(AUFS_METADATA_PREFIX)) {
            LOG.debug("layer entry \"{}\": skipping AUFS metadata", path.name());
            return;
        }
        String hidden = marker.substring(WHITEOUT_PREFIX.length());
        if (hidden.isEmpty() || hidden.equals(".") || hidden.equals("..")) {
            throw new UnsafeLayerException(
                    path.name(), "whiteout of \"" + hidden + "\" does not name an entry of its directory");
        }
        Path target = layer.parent(path, true).resolve(hidden);
        if (LayerDirectory.lstat(target) != null) {
            layer.remove(target);
        }
        DeviceNodes.createCharacterDevice(target, 0, 0, 0);
        whiteouts++;
    }

    private void deferTimes(EntryPath path, EntryAttributes attributes) {
        directoryTimes.remove(path.relative());
        directoryTimes.put(path.relative(), new PendingTimes(path, attributes));
    }

    /**
     * Sets directory times after all content is written. A directory that a later entry replaced, or that
     * now sits below a symlink, is skipped: it is not the directory the times were meant for.
     */
    private void finishDirectoryTimes() throws IOException {
        for (PendingTimes pending : directoryTimes.values()) {
            Path directory;
            try {
                directory = layer.existing(pending.path());
            } catch (InvalidLayerException e) {
                continue;
            }
            BasicFileAttributes attributes = LayerDirectory.lstat(directory);
            if (attributes != null && attributes.isDirectory()) {
                pending.attributes().applyTimes(directory);
            }
        }
    }

    private UnpackSummary summary(Compression compression, String diffId) {
        return new UnpackSummary(
                compression,
                entries,
                directories,
                files,
                symlinks,
                hardlinks,
                devices,
                whiteouts,
                opaqueDirectories,
                fileBytes,
                diffId);
    }
}
