package dev.jcri.image.distribution;

import dev.jcri.image.Digest;
import dev.jcri.linux.NativeSha256;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Optional;

/**
 * Hashes a blob while it streams and fails at its end (or as soon as it runs past the expected size) unless the
 * bytes match the descriptor. Consumers publish nothing before they have read to EOF, so corrupt content is never
 * trusted.
 */
public final class VerifyingInputStream extends FilterInputStream {
    private final Digest expected;
    private final long expectedSize;
    private final MessageDigest hash;
    private final String what;
    private long count;
    private boolean verified;

    /** @param expectedSize -1 when unknown */
    public VerifyingInputStream(InputStream in, Digest expected, long expectedSize, String what) {
        super(in);
        this.expected = expected;
        this.expectedSize = expectedSize;
        this.hash = newDigest(expected.algorithm());
        this.what = what;
    }

    public static MessageDigest newDigest(String algorithm) {
        if (algorithm.equals("sha256")) {
            Optional<MessageDigest> fast = NativeSha256.create();
            if (fast.isPresent()) {
                return fast.get();
            }
        }
        try {
            return MessageDigest.getInstance(
                    switch (algorithm) {
                        case "sha256" -> "SHA-256";
                        case "sha384" -> "SHA-384";
                        case "sha512" -> "SHA-512";
                        default -> throw new IllegalArgumentException("unsupported digest algorithm " + algorithm);
                    });
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        int n = read(one, 0, 1);
        return n < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] buffer, int offset, int length) throws IOException {
        int n = super.read(buffer, offset, length);
        if (n < 0) {
            verifyAtEnd();
            return -1;
        }
        hash.update(buffer, offset, n);
        count += n;
        if (expectedSize >= 0 && count > expectedSize) {
            throw new RegistryException(
                    RegistryException.Kind.BAD_CONTENT,
                    what + " " + expected + " is longer than the " + expectedSize + " bytes its descriptor gives");
        }
        return n;
    }

    @Override
    public long skip(long n) throws IOException {
        byte[] sink = new byte[8192];
        long skipped = 0;
        while (skipped < n) {
            int r = read(sink, 0, (int) Math.min(sink.length, n - skipped));
            if (r < 0) {
                break;
            }
            skipped += r;
        }
        return skipped;
    }

    @Override
    public boolean markSupported() {
        return false;
    }

    /** Reads what is left and verifies; for consumers (tar readers) that stop before the end of the blob. */
    public void drainAndVerify() throws IOException {
        byte[] sink = new byte[65536];
        while (read(sink, 0, sink.length) >= 0) {
            // Keep hashing until EOF.
        }
    }

    public long count() {
        return count;
    }

    public boolean verified() {
        return verified;
    }

    private void verifyAtEnd() throws IOException {
        if (verified) {
            return;
        }
        if (expectedSize >= 0 && count != expectedSize) {
            throw new RegistryException(
                    RegistryException.Kind.BAD_CONTENT,
                    what + " " + expected + " ended after " + count + " of " + expectedSize + " bytes");
        }
        String actual = HexFormat.of().formatHex(hash.digest());
        if (!actual.equals(expected.hex())) {
            throw new RegistryException(
                    RegistryException.Kind.BAD_CONTENT,
                    what + " does not match its digest: " + "expected " + expected + ", got " + expected.algorithm()
                            + ":" + actual);
        }
        verified = true;
    }
}
