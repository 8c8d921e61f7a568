package dev.jcri.server.streaming.spdy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SpdyHeaderBlockTest {

    @Test
    void blocksRoundTripThroughOneCompressionStreamPerDirection() throws Exception {
        SpdyHeaderBlock sender = new SpdyHeaderBlock();
        SpdyHeaderBlock receiver = new SpdyHeaderBlock();
        for (int i = 0; i < 3; i++) {
            Map<String, String> headers = new LinkedHashMap<>();
            headers.put("streamType", "data");
            headers.put("port", Integer.toString(8080 + i));
            byte[] block = sender.encode(headers);
            Map<String, List<String>> decoded = receiver.decode(block, 0, block.length);
            assertEquals(Map.of("streamtype", List.of("data"), "port", List.of(Integer.toString(8080 + i))), decoded);
        }
    }

    @Test
    void valuesSeparatedByNulAreSeveralValues() throws Exception {
        SpdyHeaderBlock sender = new SpdyHeaderBlock();
        byte[] block = sender.encode(Map.of("x-stream-protocol-version", "v4.channel.k8s.io\0v3.channel.k8s.io"));
        assertEquals(
                List.of("v4.channel.k8s.io", "v3.channel.k8s.io"),
                new SpdyHeaderBlock().decode(block, 0, block.length).get("x-stream-protocol-version"));
    }

    @Test
    void garbageIsAProtocolError() {
        byte[] garbage = {1, 2, 3, 4, 5, 6, 7, 8};
        assertThrows(SpdyProtocolException.class, () -> new SpdyHeaderBlock().decode(garbage, 0, garbage.length));
    }
}
