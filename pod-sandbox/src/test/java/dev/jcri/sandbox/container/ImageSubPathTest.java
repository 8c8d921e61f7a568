package dev.jcri.sandbox.container;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ImageSubPathTest {
    private static final String FIELD = "mounts[0].image_sub_path";

    @TempDir
    Path tmp;

    private Path root;

    @BeforeEach
    void image() throws Exception {
        root = Files.createDirectories(tmp.resolve("image"));
        Files.createDirectories(root.resolve("usr/share/doc"));
        Files.writeString(root.resolve("usr/share/doc/readme"), "x");
        Files.createSymbolicLink(root.resolve("abs"), Path.of("/usr/share"));
        Files.createSymbolicLink(root.resolve("usr/climb"), Path.of("../../../../../usr/share"));
        Files.createSymbolicLink(root.resolve("loop"), Path.of("loop"));
        Files.createSymbolicLink(root.resolve("host"), tmp);
        Files.createDirectories(tmp.resolve("outside"));
    }

    @Test
    void emptyIsTheImageRoot() throws Exception {
        assertEquals(root, ImageSubPath.resolve(root, "", FIELD));
    }

    @Test
    void plainPathsAndFiles() throws Exception {
        assertEquals(root.resolve("usr/share/doc"), ImageSubPath.resolve(root, "usr/share/doc", FIELD));
        assertEquals(root.resolve("usr/share/doc"), ImageSubPath.resolve(root, "./usr//share/doc/", FIELD));
        assertEquals(root.resolve("usr/share/doc/readme"), ImageSubPath.resolve(root, "usr/share/doc/readme", FIELD));
    }

    @Test
    void linksResolveWithTheImageAsRoot() throws Exception {
        assertEquals(root.resolve("usr/share/doc"), ImageSubPath.resolve(root, "abs/doc", FIELD));
        assertEquals(root.resolve("usr/share"), ImageSubPath.resolve(root, "usr/climb", FIELD));
        // A link to a host path means that path inside the image, where it does not exist.
        refused("host/outside", "does not exist");
    }

    @Test
    void climbingAbsoluteMissingAndLoopingAreRefused() {
        refused("..", "climbs out");
        refused("usr/../..", "climbs out");
        refused("/usr", "relative path");
        refused("nothing", "does not exist");
        refused("usr/share/doc/readme/x", "not a directory");
        refused("loop", "too many symbolic links");
    }

    private void refused(String subPath, String why) {
        IllegalArgumentException e =
                assertThrows(IllegalArgumentException.class, () -> ImageSubPath.resolve(root, subPath, FIELD));
        assertTrue(e.getMessage().startsWith(FIELD + ": "), e.getMessage());
        assertTrue(e.getMessage().contains(why), e.getMessage());
    }
}
