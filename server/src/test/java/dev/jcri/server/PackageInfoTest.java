package dev.jcri.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Every main package of every module says what it is for in a {@code package-info.java}. A source check, not an
 * ArchUnit rule: javac writes no class file for a package-info without annotations.
 */
class PackageInfoTest {
    @Test
    void everyMainPackageHasPackageInfo() throws IOException {
        // Surefire runs in the module's directory; the modules are its siblings.
        Path modules = Path.of("").toAbsolutePath().getParent();
        List<Path> sourceRoots;
        try (Stream<Path> dirs = Files.list(modules)) {
            sourceRoots = dirs.map(d -> d.resolve("src/main/java"))
                    .filter(Files::isDirectory)
                    .toList();
        }
        assertTrue(sourceRoots.size() >= 5, "expected the modules' source roots next to server, found " + sourceRoots);
        List<String> undocumented;
        try (Stream<Path> all = sourceRoots.stream().flatMap(PackageInfoTest::walk)) {
            undocumented = all.filter(Files::isDirectory)
                    .filter(PackageInfoTest::holdsJava)
                    .filter(d -> !Files.exists(d.resolve("package-info.java")))
                    .map(d -> modules.relativize(d).toString())
                    .sorted()
                    .toList();
        }
        assertEquals(List.of(), undocumented, "packages without a package-info.java saying what they are for");
    }

    private static Stream<Path> walk(Path root) {
        try {
            return Files.walk(root);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static boolean holdsJava(Path dir) {
        try (Stream<Path> files = Files.list(dir)) {
            return files.anyMatch(f -> f.toString().endsWith(".java"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
