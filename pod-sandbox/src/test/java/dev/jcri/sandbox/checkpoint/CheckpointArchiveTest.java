package dev.jcri.sandbox.checkpoint;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CheckpointArchiveTest {
    @TempDir
    Path dir;

    private Path staging() throws IOException {
        Path staging = Files.createDirectories(dir.resolve("staging"));
        Files.createDirectories(staging.resolve("checkpoint"));
        Files.writeString(staging.resolve("checkpoint/pstree.img"), "p");
        Files.writeString(staging.resolve("spec.dump"), "{}");
        Files.writeString(staging.resolve("config.dump"), "{}");
        return staging;
    }

    @Test
    void writesOneTarWithTheStagedLayoutSorted() throws Exception {
        Path archive = dir.resolve("out.tar");

        CheckpointArchive.write(staging(), archive);

        List<String> names = new ArrayList<>();
        try (TarArchiveInputStream tar = new TarArchiveInputStream(Files.newInputStream(archive))) {
            TarArchiveEntry entry;
            while ((entry = tar.getNextEntry()) != null) {
                names.add(entry.getName());
            }
        }
        assertEquals(List.of("checkpoint/", "checkpoint/pstree.img", "config.dump", "spec.dump"), names);
        try (Stream<Path> files = Files.list(dir)) {
            assertEquals(Set.of(archive, dir.resolve("staging")), Set.copyOf(files.toList()));
        }
    }

    @Test
    void aFailedWriteLeavesNeitherTheArchiveNorATempFile() throws Exception {
        Path staging = staging();
        Path archive = dir.resolve("missing-dir").resolve("out.tar");
        assertThrows(IOException.class, () -> CheckpointArchive.write(staging, archive));
        Path unreadable = staging.resolve("checkpoint/pages-1.img");
        Files.writeString(unreadable, "x");
        unreadable.toFile().setReadable(false);
        Path target = dir.resolve("out.tar");
        if (!Files.isReadable(unreadable)) { // root reads anything: the case only exists for other users
            assertThrows(IOException.class, () -> CheckpointArchive.write(staging, target));
            assertFalse(Files.exists(target));
        }
        try (Stream<Path> files = Files.list(dir)) {
            assertEquals(Set.of(dir.resolve("staging")), Set.copyOf(files.toList()));
        }
    }

    @Test
    void extractRoundTripsAndRequiresTheCheckpointLayout() throws Exception {
        Path archive = dir.resolve("out.tar");
        CheckpointArchive.write(staging(), archive);
        Path into = Files.createDirectories(dir.resolve("into"));

        CheckpointArchive.extract(archive, into);

        assertEquals("p", Files.readString(into.resolve("checkpoint/pstree.img")));
        Path other = dir.resolve("other.tar");
        writeTar(other, "hello.txt", TarArchiveEntry.LF_NORMAL, "");
        assertThrows(
                IOException.class, () -> CheckpointArchive.extract(other, Files.createDirectories(dir.resolve("o"))));
    }

    @Test
    void extractRefusesEntriesThatLeaveTheDirectoryAndLinks() throws Exception {
        for (String name : List.of("../evil", "/etc/evil", "checkpoint/../../evil", "./a/./b")) {
            Path archive = dir.resolve("bad.tar");
            writeTar(archive, name, TarArchiveEntry.LF_NORMAL, "");
            Path into = Files.createDirectories(dir.resolve("into-" + Math.abs(name.hashCode())));
            assertThrows(IOException.class, () -> CheckpointArchive.extract(archive, into), name);
        }
        Path links = dir.resolve("links.tar");
        writeTar(links, "checkpoint", TarArchiveEntry.LF_SYMLINK, "/etc");
        assertThrows(
                IOException.class, () -> CheckpointArchive.extract(links, Files.createDirectories(dir.resolve("l"))));
        assertFalse(Files.exists(dir.resolve("evil")));
    }

    static void writeTar(Path file, String name, byte type, String link) throws IOException {
        try (OutputStream out = Files.newOutputStream(file);
                TarArchiveOutputStream tar = new TarArchiveOutputStream(out)) {
            TarArchiveEntry entry = new TarArchiveEntry(name, type, true);
            byte[] body = "x".getBytes(StandardCharsets.UTF_8);
            if (type == TarArchiveEntry.LF_SYMLINK) {
                entry.setLinkName(link);
            } else {
                entry.setSize(body.length);
            }
            tar.putArchiveEntry(entry);
            if (type != TarArchiveEntry.LF_SYMLINK) {
                tar.write(body);
            }
            tar.closeArchiveEntry();
        }
    }
}
