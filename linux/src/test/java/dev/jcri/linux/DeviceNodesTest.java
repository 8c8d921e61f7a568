package dev.jcri.linux;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DeviceNodesTest {
    @TempDir
    Path dir;

    private static long rdev(Path p) throws Exception {
        return (long) Files.getAttribute(p, "unix:rdev", LinkOption.NOFOLLOW_LINKS);
    }

    private static int mode(Path p) throws Exception {
        return (int) Files.getAttribute(p, "unix:mode", LinkOption.NOFOLLOW_LINKS);
    }

    @Test
    void characterDevice() throws Exception {
        Path dev = dir.resolve("null");
        DeviceNodes.createCharacterDevice(dev, 0666, 1, 3);
        assertEquals(DeviceNodes.S_IFCHR, mode(dev) & 0170000);
        assertEquals(1, DeviceNodes.major(rdev(dev)));
        assertEquals(3, DeviceNodes.minor(rdev(dev)));
    }

    @Test
    void overlayWhiteoutIsCharZeroZero() throws Exception {
        Path whiteout = dir.resolve("gone");
        DeviceNodes.createCharacterDevice(whiteout, 0, 0, 0);
        assertEquals(DeviceNodes.S_IFCHR, mode(whiteout) & 0170000);
        assertEquals(0L, rdev(whiteout));
    }

    @Test
    void blockDeviceAndFifo() throws Exception {
        Path block = dir.resolve("loop");
        DeviceNodes.createBlockDevice(block, 0660, 7, 0);
        assertEquals(DeviceNodes.S_IFBLK, mode(block) & 0170000);
        assertEquals(7, DeviceNodes.major(rdev(block)));
        Path fifo = dir.resolve("pipe");
        DeviceNodes.createFifo(fifo, 0600);
        assertTrue((Boolean) Files.getAttribute(fifo, "isOther", LinkOption.NOFOLLOW_LINKS));
        assertEquals(DeviceNodes.S_IFIFO, mode(fifo) & 0170000);
    }

    @Test
    void devEncodingRoundTripsLargeNumbers() {
        long dev = DeviceNodes.makedev(0x12345, 0xabcdef);
        assertEquals(0x12345, DeviceNodes.major(dev));
        assertEquals(0xabcdef, DeviceNodes.minor(dev));
        assertEquals(0x0103L, DeviceNodes.makedev(1, 3));
    }

    @Test
    void existingPathFails() throws Exception {
        Path file = Files.createFile(dir.resolve("f"));
        ErrnoException e = assertThrows(ErrnoException.class, () -> DeviceNodes.createFifo(file, 0600));
        assertEquals(ErrnoException.EEXIST, e.errno());
    }
}
