package dev.jcri.linux;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SymbolicLinksTest {
    @TempDir
    Path dir;

    @Test
    void targetIsKeptByteForByte() throws Exception {
        Path link = dir.resolve("l");
        SymbolicLinks.create("../a//b/./c/", link);
        assertTrue(Files.isSymbolicLink(link));
        assertEquals("../a//b/./c/", SymbolicLinks.read(link));
    }

    @Test
    void danglingAbsoluteTarget() throws Exception {
        Path link = dir.resolve("l");
        SymbolicLinks.create("/nonexistent/x", link);
        assertEquals("/nonexistent/x", SymbolicLinks.read(link));
    }
}
