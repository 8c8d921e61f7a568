package dev.jcri.image.unpack;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.BufferedInputStream;
import java.io.ByteArrayInputStream;
import org.junit.jupiter.api.Test;

class CompressionTest {
    private static Compression detect(byte[] data) throws Exception {
        return Compression.detect(new BufferedInputStream(new ByteArrayInputStream(data)));
    }

    @Test
    void magicBytesDecide() throws Exception {
        assertEquals(Compression.GZIP, detect(new byte[] {0x1f, (byte) 0x8b, 8, 0}));
        assertEquals(Compression.ZSTD, detect(new byte[] {0x28, (byte) 0xb5, 0x2f, (byte) 0xfd, 0}));
        assertEquals(Compression.ZSTD, detect(new byte[] {0x5e, 0x2a, 0x4d, 0x18, 0, 0}));
        assertEquals(Compression.NONE, detect("etc/\0\0\0".getBytes()));
        assertEquals(Compression.NONE, detect(new byte[0]));
        assertEquals(Compression.NONE, detect(new byte[] {0x1f}));
    }

    @Test
    void detectionConsumesNothing() throws Exception {
        byte[] data = {0x1f, (byte) 0x8b, 8, 0, 1, 2, 3};
        BufferedInputStream in = new BufferedInputStream(new ByteArrayInputStream(data));
        Compression.detect(in);
        assertArrayEquals(data, in.readAllBytes());
    }
}
