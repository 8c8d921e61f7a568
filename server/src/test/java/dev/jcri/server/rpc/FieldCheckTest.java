package dev.jcri.server.rpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class FieldCheckTest {
    @Test
    void idsThatDoNotLookLikeJcrisAreAcceptedToBeLookedUp() {
        assertEquals("0a1b", FieldCheck.id("container_id", " 0a1b "));
        assertEquals("f".repeat(64), FieldCheck.id("container_id", "f".repeat(64)));
        for (String other : new String[] {
            "0b6e6ad4-9b3b-4c1f-a0e2-5f3c2a7d9e11",
            "abc",
            "ABC",
            "zz",
            "..",
            "pod name",
            "\u00e9t\u00e9",
            "x".repeat(256)
        }) {
            assertEquals(other, FieldCheck.id("container_id", other));
        }
    }

    @Test
    void hostileOrEmptyIdsAreRefusedNamingTheField() {
        for (String bad : new String[] {
            "",
            "  ",
            "x".repeat(257),
            "y".repeat(100 << 10),
            "../../etc",
            "a/b",
            "0a\u00001b",
            "a\nb",
            "a\u001bb",
            "\u202eab",
            "a\ud800"
        }) {
            IllegalArgumentException e =
                    assertThrows(IllegalArgumentException.class, () -> FieldCheck.id("pod_sandbox_id", bad), bad);
            assertTrue(e.getMessage().startsWith("pod_sandbox_id: "), e.getMessage());
            assertTrue(e.getMessage().length() < 400, e.getMessage());
        }
    }

    @Test
    void aHugeIdIsQuotedShortAndEscaped() {
        String message = assertThrows(
                        IllegalArgumentException.class, () -> FieldCheck.id("container_id", "x\n".repeat(1 << 20)))
                .getMessage();
        assertTrue(message.length() < 400, message);
        assertTrue(!message.contains("\n"), message);
    }

    @Test
    void absolutePathsAreNormalizedAndNeverClimb() {
        assertEquals("/var/log/pods/a", FieldCheck.absolutePath("f", "/var//log/./pods/a/"));
        assertEquals("/", FieldCheck.absolutePath("f", "///"));
        assertThrows(IllegalArgumentException.class, () -> FieldCheck.absolutePath("f", "var/log"));
        assertThrows(IllegalArgumentException.class, () -> FieldCheck.absolutePath("f", ""));
        assertThrows(IllegalArgumentException.class, () -> FieldCheck.absolutePath("f", "/var/log/../../etc"));
        assertThrows(IllegalArgumentException.class, () -> FieldCheck.absolutePath("f", "/tmp/a\u0000b"));
        assertTrue(assertThrows(
                        IllegalArgumentException.class, () -> FieldCheck.absolutePath("config.log_directory", "/a/.."))
                .getMessage()
                .startsWith("config.log_directory: "));
    }

    @Test
    void relativePathsStayBelowTheirDirectory() {
        assertEquals("c/0.log", FieldCheck.relativePath("f", "./c//0.log"));
        assertThrows(IllegalArgumentException.class, () -> FieldCheck.relativePath("f", "/etc/passwd"));
        assertThrows(IllegalArgumentException.class, () -> FieldCheck.relativePath("f", "../../etc/x"));
        assertThrows(IllegalArgumentException.class, () -> FieldCheck.relativePath("f", "c/../../x"));
        assertThrows(IllegalArgumentException.class, () -> FieldCheck.relativePath("f", "."));
        assertThrows(IllegalArgumentException.class, () -> FieldCheck.relativePath("f", "a\u0000"));
    }
}
