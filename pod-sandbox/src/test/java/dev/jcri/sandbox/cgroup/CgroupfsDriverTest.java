package dev.jcri.sandbox.cgroup;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** conmon's cgroup over a plain directory tree standing in for two hierarchies. */
class CgroupfsDriverTest {
    private static final String ID = "b".repeat(64);

    @Test
    void placesConmonInEveryHierarchyAndReleasesIt(@TempDir Path dir) throws Exception {
        Path cpuset = Files.createDirectories(dir.resolve("cpuset"));
        Path unified = Files.createDirectories(dir.resolve("unified"));
        Files.writeString(cpuset.resolve("cpuset.cpus"), "0-1\n");
        CgroupfsDriver driver = new CgroupfsDriver(List.of(cpuset, unified));
        // A cgroupfs mkdir makes the interface files; here the test stands in for the kernel.
        Files.createDirectories(cpuset.resolve("kubepods/pod1"));
        Files.writeString(cpuset.resolve("kubepods/pod1/cpuset.cpus"), "0-1\n");
        Files.createDirectories(cpuset.resolve("kubepods/pod1/conmon-" + ID));
        Files.writeString(cpuset.resolve("kubepods/pod1/conmon-" + ID + "/cpuset.cpus"), "");

        driver.placeConmon("/kubepods/pod1", ID, 4242);

        assertEquals("4242", Files.readString(unified.resolve("kubepods/pod1/conmon-" + ID + "/cgroup.procs")));
        assertEquals("4242", Files.readString(cpuset.resolve("kubepods/pod1/conmon-" + ID + "/cgroup.procs")));
        for (Path h : List.of(cpuset, unified)) {
            try (var files = Files.list(h.resolve("kubepods/pod1/conmon-" + ID))) {
                files.forEach(f -> f.toFile().delete());
            }
        }
        driver.release("/kubepods/pod1", ID);
        assertFalse(Files.exists(unified.resolve("kubepods/pod1/conmon-" + ID)));
        assertFalse(Files.exists(cpuset.resolve("kubepods/pod1/conmon-" + ID)));
    }

    @Test
    void startsAnEarlyConmonMoveInOneHierarchyAndNeverFails(@TempDir Path dir) throws Exception {
        Path pids = Files.createDirectories(dir.resolve("pids"));
        Path unified = Files.createDirectories(dir.resolve("unified"));

        new CgroupfsDriver(List.of(pids, unified)).startConmonMove("/kubepods/pod1", ID, 4242);

        assertEquals("4242", Files.readString(pids.resolve("kubepods/pod1/conmon-" + ID + "/cgroup.procs")));
        assertFalse(Files.exists(unified.resolve("kubepods/pod1")), "one hierarchy is enough for the kernel's wait");
        // A hierarchy it cannot write to: the early move is best effort, placeConmon is what must work.
        Path notADirectory = Files.writeString(dir.resolve("not-a-directory"), "");
        new CgroupfsDriver(List.of(notADirectory)).startConmonMove("/kubepods/pod1", ID, 4242);
        new CgroupfsDriver(List.of()).startConmonMove("/kubepods/pod1", ID, 4242);
    }
}
