package dev.jcri.e2e.registry;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The entries of one layer, in the order they are written. Paths are absolute-looking ({@code /bin/sh}) or
 * relative; either way they land relative to the layer root. Parent directories are not added implicitly: add them
 * with {@link #dir} when a test wants them in the tar. All entries default to root:root and
 * {@link TarEntry#DEFAULT_MTIME}.
 */
public final class LayerBuilder {
    public static final String WHITEOUT_PREFIX = ".wh.";
    public static final String OPAQUE_MARKER = ".wh..wh..opq";

    private final List<TarEntry> entries = new ArrayList<>();
    private Compression compression;
    private String createdBy;

    public static LayerBuilder layer() {
        return new LayerBuilder();
    }

    /** This layer's compression; unset, the image's default applies. */
    public LayerBuilder compression(Compression c) {
        this.compression = c;
        return this;
    }

    /** The {@code created_by} of this layer's history entry. */
    public LayerBuilder createdBy(String command) {
        this.createdBy = command;
        return this;
    }

    public LayerBuilder entry(TarEntry e) {
        entries.add(e);
        return this;
    }

    /** A regular file, mode 0644, root-owned. */
    public LayerBuilder file(String path, String content) {
        return entry(TarEntry.file(path, content, 0644));
    }

    public LayerBuilder file(String path, byte[] content, int mode) {
        return entry(TarEntry.file(path, content, mode));
    }

    public LayerBuilder file(String path, byte[] content, int mode, long uid, long gid) {
        return entry(TarEntry.file(path, content, mode).withOwner(uid, gid));
    }

    /** A regular file whose content is read from {@code source} on this host now. */
    public LayerBuilder hostFile(String path, Path source, int mode) {
        try {
            return file(path, Files.readAllBytes(source), mode);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public LayerBuilder dir(String path) {
        return dir(path, 0755);
    }

    public LayerBuilder dir(String path, int mode) {
        return entry(TarEntry.directory(path, mode));
    }

    public LayerBuilder dir(String path, int mode, long uid, long gid) {
        return entry(TarEntry.directory(path, mode).withOwner(uid, gid));
    }

    public LayerBuilder symlink(String path, String target) {
        return entry(TarEntry.symlink(path, target));
    }

    public LayerBuilder hardlink(String path, String target) {
        return entry(TarEntry.hardlink(path, target));
    }

    /** Deletes {@code path} of a lower layer: an empty file {@code <parent>/.wh.<name>}. */
    public LayerBuilder whiteout(String path) {
        String p = stripTrailingSlash(path);
        int slash = p.lastIndexOf('/');
        String parent = slash < 0 ? "" : p.substring(0, slash + 1);
        String name = p.substring(slash + 1);
        return entry(TarEntry.file(parent + WHITEOUT_PREFIX + name, new byte[0], 0644));
    }

    /** Hides what lower layers have in directory {@code dir}: an empty file {@code <dir>/.wh..wh..opq}. */
    public LayerBuilder opaque(String dir) {
        return entry(TarEntry.file(stripTrailingSlash(dir) + "/" + OPAQUE_MARKER, new byte[0], 0644));
    }

    public List<TarEntry> entries() {
        return List.copyOf(entries);
    }

    /** The uncompressed tar of this layer. */
    public byte[] tar() {
        return TarWriter.archive(entries);
    }

    Compression compressionOr(Compression fallback) {
        return compression == null ? fallback : compression;
    }

    String createdByOr(String fallback) {
        return createdBy == null ? fallback : createdBy;
    }

    /** Builds the blob of this layer as {@code format} names it. */
    public Layer build(ManifestFormat format, Compression defaultCompression) {
        Compression c = compressionOr(defaultCompression);
        byte[] tar = tar();
        Blob blob = Blob.of(format.layerMediaType(c), c.compress(tar));
        return new Layer(blob, Blob.sha256(tar), tar, c, createdByOr("jcri-e2e layer"));
    }

    private static String stripTrailingSlash(String p) {
        String s = p;
        while (s.length() > 1 && s.endsWith("/")) {
            s = s.substring(0, s.length() - 1);
        }
        return s;
    }
}
