package dev.jcri.image.unpack;

/**
 * What unpacking a layer produced.
 *
 * @param entries tar entries processed, including whiteout markers
 * @param fileBytes bytes written into regular files (the layer's uncompressed payload)
 * @param devices character and block devices and fifos
 * @param whiteouts {@code .wh.<name>} markers turned into overlay whiteouts
 * @param opaqueDirectories {@code .wh..wh..opq} markers turned into opaque directories
 * @param diffId {@code sha256:<hex>} of the uncompressed tar: the layer's DiffID, which the image config's
 *     {@code rootfs.diff_ids} must list
 */
public record UnpackSummary(
        Compression compression,
        long entries,
        long directories,
        long files,
        long symlinks,
        long hardlinks,
        long devices,
        long whiteouts,
        long opaqueDirectories,
        long fileBytes,
        String diffId) {}
