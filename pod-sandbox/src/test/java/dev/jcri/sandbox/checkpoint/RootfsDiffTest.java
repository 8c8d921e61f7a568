package dev.jcri.sandbox.checkpoint;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jcri.linux.DeviceNodes;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Set;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RootfsDiffTest {
    @TempDir
    Path dir;

    @Test
    void capturesWritesAndWhiteoutsAndAppliesThemToAnotherRootfs() throws Exception {
        Path upper = Files.createDirectories(dir.resolve("upper"));
        Files.createDirectories(upper.resolve("var/data"));
        Files.writeString(upper.resolve("var/data/count"), "17");
        Files.setPosixFilePermissions(upper.resolve("var/data/count"), PosixFilePermissions.fromString("rwx------"));
        Files.createSymbolicLink(upper.resolve("var/link"), Path.of("data/count"));
        Files.createDirectories(upper.resolve("etc"));
        Files.writeString(upper.resolve("etc/resolv.conf"), "");
        DeviceNodes.createCharacterDevice(upper.resolve("etc/gone"), 0, 0, 0);
        Path tar = dir.resolve("rootfs-diff.tar");

        List<String> deleted = RootfsDiff.capture(upper, Set.of("etc/resolv.conf"), tar);

        assertEquals(List.of("etc/gone"), deleted);
        Path rootfs = Files.createDirectories(dir.resolve("rootfs"));
        Files.createDirectories(rootfs.resolve("etc"));
        Files.writeString(rootfs.resolve("etc/gone"), "image file");
        RootfsDiff.apply(tar, deleted, rootfs);
        assertEquals("17", Files.readString(rootfs.resolve("var/data/count")));
        assertEquals(
                "rwx------",
                PosixFilePermissions.toString(Files.getPosixFilePermissions(rootfs.resolve("var/data/count"))));
        assertEquals(Path.of("data/count"), Files.readSymbolicLink(rootfs.resolve("var/link")));
        assertFalse(Files.exists(rootfs.resolve("etc/gone")));
        assertFalse(Files.exists(rootfs.resolve("etc/resolv.conf")));
    }

    @Test
    void applyRefusesNamesThatLeaveTheRootfs() throws Exception {
        Path rootfs = Files.createDirectories(dir.resolve("rootfs"));
        Files.createSymbolicLink(rootfs.resolve("out"), dir);
        for (String name : List.of("../evil", "/evil", "out/evil")) {
            Path tar = dir.resolve("bad.tar");
            CheckpointArchiveTest.writeTar(tar, name, TarArchiveEntry.LF_NORMAL, "");
            assertThrows(IOException.class, () -> RootfsDiff.apply(tar, List.of(), rootfs), name);
        }
        Path empty = dir.resolve("empty.tar");
        RootfsDiff.capture(Files.createDirectories(dir.resolve("u")), Set.of(), empty);
        assertThrows(IOException.class, () -> RootfsDiff.apply(empty, List.of("out/victim"), rootfs));
        assertThrows(IOException.class, () -> RootfsDiff.apply(empty, List.of("../victim"), rootfs));
        assertFalse(Files.exists(dir.resolve("evil")));
        assertTrue(Files.isSymbolicLink(rootfs.resolve("out")));
    }
}
