package dev.jcri.image;

import java.util.Objects;
import java.util.regex.Pattern;

/**
 * A content digest such as {@code sha256:<64 hex>}.
 *
 * <p>Only the algorithms the OCI image spec registers are accepted, with their exact lowercase hex length:
 * an unknown algorithm cannot be verified, so accepting it would accept unverifiable content.
 */
public record Digest(String algorithm, String hex) {
    private static final Pattern LOWER_HEX = Pattern.compile("[a-f0-9]+");

    public Digest {
        Objects.requireNonNull(algorithm, "algorithm");
        Objects.requireNonNull(hex, "hex");
        int expected = switch (algorithm) {
            case "sha256" -> 64;
            case "sha384" -> 96;
            case "sha512" -> 128;
            default ->
                throw new IllegalArgumentException(
                        "unsupported digest algorithm \"" + algorithm + "\" (expected sha256, sha384 or sha512)");
        };
        if (hex.length() != expected || !LOWER_HEX.matcher(hex).matches()) {
            throw new IllegalArgumentException(
                    algorithm + " digest must be " + expected + " lowercase hex characters, got \"" + hex + "\"");
        }
    }

    /** Parses {@code algorithm:hex}; the message of the exception says what is wrong. */
    public static Digest parse(String digest) {
        Objects.requireNonNull(digest, "digest");
        int colon = digest.indexOf(':');
        if (colon <= 0 || colon == digest.length() - 1) {
            throw new IllegalArgumentException("digest \"" + digest + "\" is not of the form algorithm:hex");
        }
        return new Digest(digest.substring(0, colon), digest.substring(colon + 1));
    }

    @Override
    public String toString() {
        return algorithm + ":" + hex;
    }
}
