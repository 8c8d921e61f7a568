package dev.jcri.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class DigestTest {
    @Test
    void parsesRegisteredAlgorithms() {
        Digest sha256 = Digest.parse("sha256:" + "0".repeat(64));
        assertEquals("sha256", sha256.algorithm());
        assertEquals("0".repeat(64), sha256.hex());
        assertEquals("sha256:" + "0".repeat(64), sha256.toString());
        assertEquals("sha512", Digest.parse("sha512:" + "f".repeat(128)).algorithm());
        assertEquals("sha384", Digest.parse("sha384:" + "1".repeat(96)).algorithm());
    }

    @Test
    void rejectsWrongLengthCaseAndAlgorithm() {
        assertMessage("sha256:" + "0".repeat(63), "64 lowercase hex");
        assertMessage("sha256:" + "0".repeat(65), "64 lowercase hex");
        assertMessage("sha256:" + "A".repeat(64), "64 lowercase hex");
        assertMessage("sha512:" + "0".repeat(64), "128 lowercase hex");
        assertMessage("md5:" + "0".repeat(32), "unsupported digest algorithm \"md5\"");
        assertMessage("sha256", "algorithm:hex");
        assertMessage(":abc", "algorithm:hex");
        assertMessage("sha256:", "algorithm:hex");
    }

    private static void assertMessage(String input, String fragment) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Digest.parse(input));
        assertTrue(e.getMessage().contains(fragment), e.getMessage());
    }
}
