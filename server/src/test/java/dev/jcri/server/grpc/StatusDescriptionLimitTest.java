package dev.jcri.server.grpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.Status;
import org.junit.jupiter.api.Test;

class StatusDescriptionLimitTest {
    @Test
    void shortDescriptionsPassUnchanged() {
        Status status = Status.NOT_FOUND.withDescription("container 0a not found");
        assertSame(status, StatusDescriptionLimit.bounded(status));
        assertSame(Status.OK, StatusDescriptionLimit.bounded(Status.OK));
    }

    @Test
    void longDescriptionsAreCutByTheirEncodedSize() {
        String ascii = StatusDescriptionLimit.cut("a".repeat(1 << 20));
        assertTrue(ascii.length() < StatusDescriptionLimit.MAX_ENCODED, ascii.length() + "");
        assertTrue(ascii.endsWith("(cut; 1048576 characters in all)"), ascii);
        // Each of these is three UTF-8 bytes, nine bytes percent-encoded.
        String wide = StatusDescriptionLimit.cut("\u4e2d".repeat(2000));
        assertTrue(wide.indexOf("...") * 9 <= StatusDescriptionLimit.MAX_ENCODED, wide.indexOf("...") + "");
        assertEquals("\ud83d\ude00".repeat(10), StatusDescriptionLimit.cut("\ud83d\ude00".repeat(10)));
    }
}
