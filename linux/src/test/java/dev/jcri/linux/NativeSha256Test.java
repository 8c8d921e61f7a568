package dev.jcri.linux;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Random;
import org.junit.jupiter.api.Test;

class NativeSha256Test {
    @Test
    void libcryptoIsThereOnTheNodesJcriSupports() {
        assertTrue(NativeSha256.create().isPresent(), "libcrypto.so.3 should load on Debian 12");
    }

    @Test
    void knownVectors() {
        MessageDigest sha = NativeSha256.create().orElseThrow();
        assertEquals(
                "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
                HexFormat.of().formatHex(sha.digest()));
        assertEquals(
                "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
                HexFormat.of().formatHex(sha.digest("abc".getBytes(StandardCharsets.US_ASCII))));
        assertEquals("SHA-256", sha.getAlgorithm());
        assertEquals(32, sha.getDigestLength());
    }

    @Test
    void matchesTheJdkForAnySplitOfTheInput() throws Exception {
        Random random = new Random(7);
        for (int size : new int[] {1, 55, 56, 63, 64, 65, 1000, 256 << 10, (256 << 10) + 1, 3 << 20}) {
            byte[] data = new byte[size];
            random.nextBytes(data);
            byte[] expected = MessageDigest.getInstance("SHA-256").digest(data);
            MessageDigest sha = NativeSha256.create().orElseThrow();
            int offset = 0;
            while (offset < size) {
                int n = Math.min(size - offset, random.nextInt(1 << 19) + 1);
                if (n == 1) {
                    sha.update(data[offset]);
                } else {
                    sha.update(data, offset, n);
                }
                offset += n;
            }
            assertArrayEquals(expected, sha.digest(), "size " + size);
            // digest() resets: the same object hashes again from the start.
            assertArrayEquals(expected, sha.digest(data), "size " + size + ", after a reset");
        }
    }

    @Test
    void resetDropsWhatWasHashed() {
        MessageDigest sha = NativeSha256.create().orElseThrow();
        sha.update(new byte[] {1, 2, 3});
        sha.reset();
        assertEquals(
                "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
                HexFormat.of().formatHex(sha.digest()));
    }
}
