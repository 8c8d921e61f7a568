package dev.jcri.linux;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class MountTableTest {
    @Test
    void mountPointsAndPropagationAreParsedAndUnescaped() {
        List<MountTable.Entry> entries = MountTable.parse(List.of(
                "36 25 0:32 / /run/jcri/ns/net/abc rw shared:1 - nsfs nsfs rw",
                "37 25 0:33 / /var/lib/with\\040space rw - ext4 /dev/sda rw",
                ""));
        assertEquals(
                List.of(Path.of("/run/jcri/ns/net/abc"), Path.of("/var/lib/with space")),
                entries.stream().map(MountTable.Entry::mountPoint).toList());
        assertEquals(List.of("shared:1"), entries.getFirst().optionalFields());
        assertEquals(List.of(), entries.get(1).optionalFields());
    }

    @Test
    void atOrBelowComparesWholeComponents() {
        List<Path> points = List.of(Path.of("/run/jcri/containers/a/rootfs"));
        assertTrue(MountTable.anyAtOrBelow(points, Path.of("/run/jcri/containers/a")));
        assertTrue(MountTable.anyAtOrBelow(points, Path.of("/run/jcri/containers/a/rootfs")));
        assertFalse(MountTable.anyAtOrBelow(points, Path.of("/run/jcri/containers/ab")));
        assertFalse(MountTable.anyAtOrBelow(points, Path.of("/run/jcri/containers/a/rootfs/x")));
    }

    @Test
    void mountinfoEscapesAreDecoded() {
        assertEquals("/a b\tc\\d", MountTable.unescape("/a\\040b\\011c\\134d"));
        assertEquals("/plain", MountTable.unescape("/plain"));
        assertEquals("/odd\\04", MountTable.unescape("/odd\\04"));
    }
}
