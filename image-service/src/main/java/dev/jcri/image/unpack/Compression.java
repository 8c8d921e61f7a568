package dev.jcri.image.unpack;

import com.github.luben.zstd.ZstdInputStream;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.zip.GZIPInputStream;

/**
 * How a layer blob is compressed, told by its first bytes: media types lie often enough (Docker's layer
 * type says gzip, some registries serve uncompressed tars under it) that the content decides.
 */
public enum Compression {
    NONE,
    GZIP,
    ZSTD;

    /** Looks at the first bytes without consuming them. */
    static Compression detect(BufferedInputStream in) throws IOException {
        in.mark(8);
        byte[] magic = in.readNBytes(6);
        in.reset();
        if (startsWith(magic, 0x1f, 0x8b)) {
            return GZIP;
        }
        if (startsWith(magic, 0x28, 0xb5, 0x2f, 0xfd) || isZstdSkippableFrame(magic)) {
            return ZSTD;
        }
        if (startsWith(magic, 0xfd, '7', 'z', 'X', 'Z', 0x00)) {
            throw new IOException("layer is xz-compressed, which OCI images do not use and jcri does not unpack");
        }
        if (startsWith(magic, 'B', 'Z', 'h')) {
            throw new IOException("layer is bzip2-compressed, which OCI images do not use and jcri does not unpack");
        }
        return NONE;
    }

    InputStream decompress(InputStream in) throws IOException {
        return switch (this) {
            case NONE -> in;
            case GZIP -> new GZIPInputStream(in, 64 * 1024);
            case ZSTD -> new ZstdInputStream(in);
        };
    }

    /** Skippable frames (magic 0x184D2A50 to 0x184D2A5F, little-endian) may precede zstd data. */
    private static boolean isZstdSkippableFrame(byte[] magic) {
        return magic.length >= 4 && (magic[0] & 0xf0) == 0x50 && startsWith(magic, magic[0] & 0xff, 0x2a, 0x4d, 0x18);
    }

    private static boolean startsWith(byte[] data, int... prefix) {
        if (data.length < prefix.length) {
            return false;
        }
        for (int i = 0; i < prefix.length; i++) {
            if ((data[i] & 0xff) != prefix[i]) {
                return false;
            }
        }
        return true;
    }
}
