package dev.jcri.server.streaming.spdy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.zip.DataFormatException;
import java.util.zip.Deflater;
import java.util.zip.Inflater;

/**
 * SPDY/3 name/value header blocks: a count, then length-prefixed lowercase names and NUL-separated values, the
 * whole compressed with one zlib stream per direction and connection, primed with the dictionary the SPDY/3
 * specification defines (shipped as a resource).
 *
 * <p>Every header block of a direction passes through the same stream in order, so a block that is not needed
 * (HEADERS, SYN_REPLY from the peer) must still be decoded.
 */
final class SpdyHeaderBlock {
    /** Decoded header blocks larger than this are refused: the peer cannot make jcri allocate without bound. */
    static final int MAX_DECODED = 256 * 1024;

    private static final byte[] DICTIONARY = loadDictionary();

    private final Inflater inflater = new Inflater();
    private final Deflater deflater = new Deflater();

    SpdyHeaderBlock() {
        deflater.setDictionary(DICTIONARY);
    }

    /** Names are lowercase (SPDY requires it); a name may carry several values. */
    Map<String, List<String>> decode(byte[] compressed, int offset, int length) throws SpdyProtocolException {
        byte[] block = inflate(compressed, offset, length);
        ByteBuffer in = ByteBuffer.wrap(block);
        Map<String, List<String>> headers = new LinkedHashMap<>();
        try {
            int count = in.getInt();
            if (count < 0 || count > block.length / 8) {
                throw new SpdyProtocolException("header block claims " + count + " headers");
            }
            for (int i = 0; i < count; i++) {
                String name = string(in).toLowerCase(Locale.ROOT);
                List<String> values = headers.computeIfAbsent(name, k -> new ArrayList<>());
                for (String value : string(in).split("\0", -1)) {
                    values.add(value);
                }
            }
        } catch (BufferUnderflowException e) {
            throw new SpdyProtocolException("truncated header block");
        }
        return headers;
    }

    byte[] encode(Map<String, String> headers) {
        ByteArrayOutputStream plain = new ByteArrayOutputStream();
        writeInt(plain, headers.size());
        headers.forEach((name, value) -> {
            writeString(plain, name.toLowerCase(Locale.ROOT));
            writeString(plain, value);
        });
        deflater.setInput(plain.toByteArray());
        ByteArrayOutputStream compressed = new ByteArrayOutputStream();
        byte[] buffer = new byte[1024];
        int n;
        do {
            n = deflater.deflate(buffer, 0, buffer.length, Deflater.SYNC_FLUSH);
            compressed.write(buffer, 0, n);
        } while (n == buffer.length || !deflater.needsInput());
        return compressed.toByteArray();
    }

    void close() {
        inflater.end();
        deflater.end();
    }

    private byte[] inflate(byte[] compressed, int offset, int length) throws SpdyProtocolException {
        inflater.setInput(compressed, offset, length);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] buffer = new byte[4096];
        try {
            while (true) {
                int n = inflater.inflate(buffer);
                if (n == 0) {
                    if (inflater.needsDictionary()) {
                        inflater.setDictionary(DICTIONARY);
                        continue;
                    }
                    if (inflater.needsInput() || inflater.finished()) {
                        break;
                    }
                }
                out.write(buffer, 0, n);
                if (out.size() > MAX_DECODED) {
                    throw new SpdyProtocolException("header block exceeds " + MAX_DECODED + " bytes");
                }
            }
        } catch (DataFormatException e) {
            throw new SpdyProtocolException("header block does not decompress: " + e.getMessage());
        }
        return out.toByteArray();
    }

    private static String string(ByteBuffer in) throws SpdyProtocolException {
        int length = in.getInt();
        if (length < 0 || length > in.remaining()) {
            throw new SpdyProtocolException("header string of " + length + " bytes overruns its block");
        }
        byte[] bytes = new byte[length];
        in.get(bytes);
        return new String(bytes, StandardCharsets.UTF_8);
    }

    private static void writeString(ByteArrayOutputStream out, String value) {
        byte[] bytes = value.getBytes(StandardCharsets.UTF_8);
        writeInt(out, bytes.length);
        out.writeBytes(bytes);
    }

    private static void writeInt(ByteArrayOutputStream out, int value) {
        out.write(value >>> 24);
        out.write(value >>> 16);
        out.write(value >>> 8);
        out.write(value);
    }

    private static byte[] loadDictionary() {
        try (InputStream in = SpdyHeaderBlock.class.getResourceAsStream("spdy3-header-dictionary.bin")) {
            if (in == null) {
                throw new IllegalStateException("spdy3-header-dictionary.bin is missing from the jar");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
