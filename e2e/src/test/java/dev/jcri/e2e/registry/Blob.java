package dev.jcri.e2e.registry;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Content with its media type and {@code sha256:} digest, as a registry stores it: a layer, an image config, a
 * manifest or an index. The bytes are shared, not copied; do not modify them.
 */
public record Blob(String mediaType, String digest, byte[] bytes) {

    public static Blob of(String mediaType, byte[] bytes) {
        return new Blob(mediaType, sha256(bytes), bytes);
    }

    public long size() {
        return bytes.length;
    }

    /** The bytes as UTF-8 text (for JSON blobs). */
    public String text() {
        return new String(bytes, StandardCharsets.UTF_8);
    }

    /** The OCI descriptor of this blob: {@code {mediaType, digest, size}}. */
    public Map<String, Object> descriptor() {
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("mediaType", mediaType);
        d.put("digest", digest);
        d.put("size", size());
        return d;
    }

    /** {@code sha256:<hex>} of {@code bytes}. */
    public static String sha256(byte[] bytes) {
        try {
            return "sha256:"
                    + HexFormat.of()
                            .formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public String toString() {
        return "Blob[" + mediaType + ", " + digest + ", " + bytes.length + " bytes]";
    }
}
