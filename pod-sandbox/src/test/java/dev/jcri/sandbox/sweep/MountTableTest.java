package dev.jcri.sandbox.sweep;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class MountTableTest {
    @Test
    void mountPointsAreUnescaped() {
        List<Path> points = MountTable.parse(List.of(
                "36 25 0:32 / /run/jcri/ns/net/abc rw shared:1 - nsfs nsfs rw",
                "37 25 0:33 / /var/lib/with\\040space rw - ext4 /dev/sda rw"));
        assertEquals(List.of(Path.of("/run/jcri/ns/net/abc"), Path.of("/var/lib/with space")), points);
    }

    @Test
    void atOrBelowComparesWholeComponents() {
        List<Path> points = List.of(Path.of("/run/jcri/containers/a/rootfs"));
        assertTrue(MountTable.anyAtOrBelow(points, Path.of("/run/jcri/containers/a")));
        assertTrue(MountTable.anyAtOrBelow(points, Path.of("/run/jcri/containers/a/rootfs")));
        assertFalse(MountTable.anyAtOrBelow(points, Path.of("/run/jcri/containers/ab")));
        assertFalse(MountTable.anyAtOrBelow(points, Path.of("/run/jcri/containers/a/rootfs/x")));
    }
}
