package dev.jcri.sandbox.cgroup;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CgroupDriverChoiceTest {

    @Test
    void systemdWhenItsRuntimeDirExists(@TempDir Path dir) throws Exception {
        Path systemd = Files.createDirectory(dir.resolve("system"));
        CgroupDriverChoice choice = CgroupDriverChoice.of(systemd);
        assertEquals("systemd", choice.driver());
        assertTrue(choice.reason().contains("runs systemd"), choice.reason());
    }

    @Test
    void cgroupfsOtherwise(@TempDir Path dir) throws Exception {
        assertEquals("cgroupfs", CgroupDriverChoice.of(dir.resolve("missing")).driver());
        // A plain file is not systemd's runtime dir.
        assertEquals(
                "cgroupfs",
                CgroupDriverChoice.of(Files.createFile(dir.resolve("file"))).driver());
    }
}
