package dev.jcri.linux;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Needs root: it bind-mounts. */
class FileTreeTest {
    @TempDir
    Path dir;

    @Test
    void deleteDetachesMountsBelowInsteadOfEmptyingThem() throws Exception {
        Path volume = Files.createDirectories(dir.resolve("volume"));
        Files.writeString(volume.resolve("precious"), "keep me");
        Path tree = Files.createDirectories(dir.resolve("bundle/volumes/0"));
        Files.writeString(dir.resolve("bundle/config.json"), "{}");
        Mount.mount(volume.toString(), tree.toString(), null, Mount.MS_BIND, null);
        try {
            assertEquals(1, MountTable.pointsUnder(dir.resolve("bundle")).size());
            FileTree.delete(dir.resolve("bundle"));
            assertFalse(Files.exists(dir.resolve("bundle")));
            assertEquals("keep me", Files.readString(volume.resolve("precious")));
            assertTrue(MountTable.pointsUnder(dir).isEmpty());
        } finally {
            if (!MountTable.pointsUnder(tree).isEmpty()) {
                Mount.unmount(tree.toString(), Mount.MNT_DETACH);
            }
        }
    }
}
