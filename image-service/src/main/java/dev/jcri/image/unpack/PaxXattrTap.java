package dev.jcri.image.unpack;

import java.io.ByteArrayOutputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Recovers the raw bytes of {@code SCHILY.xattr.*} PAX records, which commons-compress decodes as UTF-8
 * strings: binary values such as {@code security.capability} do not survive that decoding.
 *
 * <p>The tap sits between the decompressor and the tar reader and records what the reader consumes while
 * it reads one entry's headers. Tar headers start on 512-byte boundaries of the stream, so the recorded span
 * can be walked as header blocks: extended headers ('x'), global ones ('g') and GNU long names ('L', 'K')
 * precede the entry's own header, which ends the walk. The unpacker compares the result with what
 * commons-compress decoded, so a tap that lost its place fails the layer instead of mislabelling files.
 */
final class PaxXattrTap extends FilterInputStream {
    static final String XATTR_PREFIX = "SCHILY.xattr.";
    private static final int BLOCK = 512;
    private static final int TYPE_OFFSET = 156;
    private static final int SIZE_OFFSET = 124;
    private static final int SIZE_LENGTH = 12;

    private long position;
    private long recordingStart;
    private ByteArrayOutputStream recording;
    /** Global headers ('g') apply to every later entry, as commons-compress applies them. */
    private final Map<String, byte[]> globalXattrs = new LinkedHashMap<>();

    PaxXattrTap(InputStream in) {
        super(in);
    }

    /** Call when the previous entry's data has been read to its end, before the reader fetches the next header. */
    void startHeaders() {
        recordingStart = position;
        recording = new ByteArrayOutputStream();
    }

    /** The xattrs the recorded extended headers carry, by attribute name (without the PAX prefix). */
    Map<String, byte[]> finishHeaders() throws IOException {
        byte[] recorded = recording.toByteArray();
        recording = null;
        Map<String, byte[]> xattrs = new LinkedHashMap<>(globalXattrs);
        int offset = (int) ((BLOCK - recordingStart % BLOCK) % BLOCK);
        while (offset + BLOCK <= recorded.length) {
            byte type = recorded[offset + TYPE_OFFSET];
            long size = headerSize(recorded, offset + SIZE_OFFSET);
            if (type != 'x' && type != 'X' && type != 'g' && type != 'L' && type != 'K') {
                break;
            }
            int dataStart = offset + BLOCK;
            if (size < 0 || size > recorded.length - dataStart) {
                throw new IOException("tar extended header of " + size + " bytes runs past what the reader consumed");
            }
            if (type == 'x' || type == 'X') {
                parseRecords(recorded, dataStart, dataStart + (int) size, xattrs);
            } else if (type == 'g') {
                parseRecords(recorded, dataStart, dataStart + (int) size, globalXattrs);
                parseRecords(recorded, dataStart, dataStart + (int) size, xattrs);
            }
            offset = dataStart + (int) ((size + BLOCK - 1) / BLOCK * BLOCK);
        }
        return xattrs;
    }

    /** PAX records are {@code "<length> <key>=<value>\n"} with a decimal length counting the whole record. */
    private static void parseRecords(byte[] data, int from, int to, Map<String, byte[]> xattrs) throws IOException {
        int pos = from;
        while (pos < to) {
            if (data[pos] == 0) {
                break; // padding some writers leave after the last record
            }
            int space = pos;
            long length = 0;
            while (space < to && data[space] >= '0' && data[space] <= '9') {
                length = length * 10 + (data[space] - '0');
                space++;
                if (length > to - pos) {
                    throw new IOException("malformed PAX record length");
                }
            }
            if (space == pos || space >= to || data[space] != ' ' || length <= space - pos + 1) {
                throw new IOException("malformed PAX record");
            }
            int end = pos + (int) length;
            int keyStart = space + 1;
            int equals = keyStart;
            while (equals < end && data[equals] != '=') {
                equals++;
            }
            if (equals >= end || data[end - 1] != '\n') {
                throw new IOException("malformed PAX record");
            }
            String key = new String(data, keyStart, equals - keyStart, StandardCharsets.UTF_8);
            if (key.startsWith(XATTR_PREFIX)) {
                String name = key.substring(XATTR_PREFIX.length());
                byte[] value = Arrays.copyOfRange(data, equals + 1, end - 1);
                // An empty PAX value deletes the key; readers then see no such attribute.
                if (value.length == 0) {
                    xattrs.remove(name);
                } else {
                    xattrs.put(name, value);
                }
            }
            pos = end;
        }
    }

    /** Octal digits, or GNU's base-256 form when the top bit of the first byte is set. */
    private static long headerSize(byte[] header, int offset) {
        if ((header[offset] & 0x80) != 0) {
            long value = header[offset] & 0x3f;
            for (int i = 1; i < SIZE_LENGTH; i++) {
                if (value > (Long.MAX_VALUE >> 8)) {
                    return -1;
                }
                value = (value << 8) | (header[offset + i] & 0xff);
            }
            return value;
        }
        long value = 0;
        for (int i = 0; i < SIZE_LENGTH; i++) {
            byte b = header[offset + i];
            if (b >= '0' && b <= '7') {
                value = value * 8 + (b - '0');
            } else if (b != ' ' && b != 0) {
                return -1;
            }
        }
        return value;
    }

    @Override
    public int read() throws IOException {
        int b = super.read();
        if (b >= 0) {
            position++;
            if (recording != null) {
                recording.write(b);
            }
        }
        return b;
    }

    @Override
    public int read(byte[] buffer, int offset, int length) throws IOException {
        int n = super.read(buffer, offset, length);
        if (n > 0) {
            position += n;
            if (recording != null) {
                recording.write(buffer, offset, n);
            }
        }
        return n;
    }

    /** Skipped bytes must pass through the recording too, so skipping reads. */
    @Override
    public long skip(long n) throws IOException {
        byte[] scratch = new byte[(int) Math.min(Math.max(n, 0), 8192)];
        long skipped = 0;
        while (skipped < n) {
            int read = read(scratch, 0, (int) Math.min(scratch.length, n - skipped));
            if (read < 0) {
                break;
            }
            skipped += read;
        }
        return skipped;
    }

    @Override
    public boolean markSupported() {
        return false;
    }

    @Override
    public void mark(int limit) {
        // Unsupported: a reset would replay bytes the recording already holds.
    }

    @Override
    public void reset() throws IOException {
        throw new IOException("mark/reset not supported");
    }
}
