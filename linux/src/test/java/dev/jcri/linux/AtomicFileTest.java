package dev.jcri.linux;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AtomicFileTest {
    @TempDir
    Path dir;

    @Test
    void writeAfterSyncsThePrerequisitesAndReplacesTheTarget() throws IOException {
        List<Path> prerequisites = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            Path file = dir.resolve("blob-" + i);
            Files.writeString(file, "content " + i);
            prerequisites.add(file);
        }
        prerequisites.add(dir);
        Path record = dir.resolve("record.json");
        Files.writeString(record, "old");

        AtomicFile.writeAfter(record, "new".getBytes(StandardCharsets.UTF_8), "rw-------", prerequisites);

        assertEquals("new", Files.readString(record));
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(record)));
        assertNoTempFiles();
    }

    @Test
    void aPrerequisiteThatCannotBeSyncedLeavesTheTargetAsItWas() throws IOException {
        Path record = dir.resolve("record.json");
        Files.writeString(record, "old");

        assertThrows(
                IOException.class,
                () -> AtomicFile.writeAfter(
                        record,
                        "new".getBytes(StandardCharsets.UTF_8),
                        "rw-------",
                        List.of(dir, dir.resolve("missing"))));

        assertEquals("old", Files.readString(record));
        assertNoTempFiles();
    }

    private void assertNoTempFiles() throws IOException {
        try (Stream<Path> entries = Files.list(dir)) {
            assertFalse(entries.anyMatch(p -> p.getFileName().toString().startsWith(".")));
        }
    }
}
