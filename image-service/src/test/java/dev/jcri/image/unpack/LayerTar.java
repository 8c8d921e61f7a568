package dev.jcri.image.unpack;

import com.github.luben.zstd.ZstdOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.Map;
import java.util.function.Consumer;
import java.util.zip.GZIPOutputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;

/** Builds layer tarballs in memory for tests, including entries no well-behaved tool would write. */
final class LayerTar {
    static final Instant DEFAULT_TIME = Instant.parse("2020-01-02T03:04:05Z");

    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    private final TarArchiveOutputStream tar;

    LayerTar() {
        this(TarArchiveOutputStream.LONGFILE_POSIX);
    }

    LayerTar(int longFileMode) {
        tar = new TarArchiveOutputStream(bytes, StandardCharsets.UTF_8.name());
        tar.setLongFileMode(longFileMode);
        tar.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
    }

    private static TarArchiveEntry entry(String name, byte type) {
        TarArchiveEntry entry = new TarArchiveEntry(name, type, true);
        entry.setModTime(FileTime.from(DEFAULT_TIME));
        entry.setUserId(0);
        entry.setGroupId(0);
        return entry;
    }

    private LayerTar put(TarArchiveEntry entry, byte[] content, Consumer<TarArchiveEntry> customize) {
        try {
            if (customize != null) {
                customize.accept(entry);
            }
            entry.setSize(content.length);
            tar.putArchiveEntry(entry);
            tar.write(content);
            tar.closeArchiveEntry();
            return this;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    LayerTar dir(String name) {
        return dir(name, null);
    }

    LayerTar dir(String name, Consumer<TarArchiveEntry> customize) {
        TarArchiveEntry entry = entry(name.endsWith("/") ? name : name + "/", TarConstants.LF_DIR);
        entry.setMode(0755);
        return put(entry, new byte[0], customize);
    }

    LayerTar file(String name, String content) {
        return file(name, content, null);
    }

    LayerTar file(String name, String content, Consumer<TarArchiveEntry> customize) {
        return file(name, content.getBytes(StandardCharsets.UTF_8), customize);
    }

    LayerTar file(String name, byte[] content, Consumer<TarArchiveEntry> customize) {
        TarArchiveEntry entry = entry(name, TarConstants.LF_NORMAL);
        entry.setMode(0644);
        return put(entry, content, customize);
    }

    LayerTar symlink(String name, String target) {
        return symlink(name, target, null);
    }

    LayerTar symlink(String name, String target, Consumer<TarArchiveEntry> customize) {
        TarArchiveEntry entry = entry(name, TarConstants.LF_SYMLINK);
        entry.setLinkName(target);
        entry.setMode(0777);
        return put(entry, new byte[0], customize);
    }

    LayerTar hardlink(String name, String target) {
        TarArchiveEntry entry = entry(name, TarConstants.LF_LINK);
        entry.setLinkName(target);
        entry.setMode(0644);
        return put(entry, new byte[0], null);
    }

    LayerTar device(String name, byte type, int major, int minor) {
        TarArchiveEntry entry = entry(name, type);
        entry.setDevMajor(major);
        entry.setDevMinor(minor);
        entry.setMode(0666);
        return put(entry, new byte[0], null);
    }

    LayerTar entryOfType(String name, byte type) {
        return put(entry(name, type), new byte[0], null);
    }

    /**
     * A PAX extended header written byte for byte, as Go's archive/tar writes binary xattr values; it applies
     * to the entry that follows.
     */
    LayerTar rawPax(Map<String, byte[]> records) {
        return rawPax(TarConstants.LF_PAX_EXTENDED_HEADER_LC, records);
    }

    /** A PAX global header, which applies to every entry after it; commons-compress encodes it. */
    LayerTar globalPax(Map<String, String> records) {
        try {
            TarArchiveEntry entry =
                    new TarArchiveEntry("pax_global_header", TarConstants.LF_PAX_GLOBAL_EXTENDED_HEADER, true);
            records.forEach(entry::addPaxHeader);
            tar.putArchiveEntry(entry); // writes the whole header; there is no entry left open to close
            return this;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private LayerTar rawPax(byte type, Map<String, byte[]> records) {
        ByteArrayOutputStream content = new ByteArrayOutputStream();
        for (Map.Entry<String, byte[]> record : records.entrySet()) {
            byte[] key = record.getKey().getBytes(StandardCharsets.UTF_8);
            int body = 1 + key.length + 1 + record.getValue().length + 1;
            int length = body + Integer.toString(body).length();
            if (Integer.toString(length).length() != Integer.toString(body).length()) {
                length++;
            }
            content.writeBytes((length + " ").getBytes(StandardCharsets.US_ASCII));
            content.writeBytes(key);
            content.write('=');
            content.writeBytes(record.getValue());
            content.write('\n');
        }
        return put(entry("PaxHeaders.0/next", type), content.toByteArray(), null);
    }

    byte[] plain() {
        try {
            tar.finish();
            tar.close();
            return bytes.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    byte[] gzip() {
        return compress(plain(), out -> new GZIPOutputStream(out));
    }

    byte[] zstd() {
        return compress(plain(), out -> new ZstdOutputStream(out));
    }

    interface Compressor {
        OutputStream wrap(OutputStream out) throws IOException;
    }

    static byte[] compress(byte[] data, Compressor compressor) {
        try {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            try (OutputStream compressed = compressor.wrap(out)) {
                compressed.write(data);
            }
            return out.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
