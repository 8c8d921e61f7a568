package dev.jcri.server.streaming;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class HttpRequestHeadTest {

    private static InputStream stream(String text) {
        return new ByteArrayInputStream(text.getBytes(StandardCharsets.ISO_8859_1));
    }

    @Test
    void readsAnUpgradeRequestAndLeavesTheRestUnread() throws IOException {
        InputStream in = stream("POST /exec/abc?port=80,443&port=8080 HTTP/1.1\r\nHost: x\r\n"
                + "Connection: Upgrade\r\nUpgrade: SPDY/3.1\r\n"
                + "X-Stream-Protocol-Version: v4.channel.k8s.io\r\nx-stream-protocol-version: v3.channel.k8s.io, "
                + "v2.channel.k8s.io\r\n\r\nFRAMES");
        HttpRequestHead head = HttpRequestHead.read(in);
        assertEquals("POST", head.method());
        assertEquals("/exec/abc", head.path());
        assertEquals(List.of("80,443", "8080"), head.query().get("port"));
        assertTrue(head.upgradeTo("spdy/3.1"));
        assertFalse(head.upgradeTo("websocket"));
        assertEquals(
                List.of("v4.channel.k8s.io", "v3.channel.k8s.io", "v2.channel.k8s.io"),
                head.headerTokens("X-Stream-Protocol-Version"));
        assertEquals("FRAMES", new String(in.readAllBytes(), StandardCharsets.ISO_8859_1));
    }

    @Test
    void refusesWhatIsNotAnHttpHead() {
        assertThrows(IOException.class, () -> HttpRequestHead.read(stream("GARBAGE\r\n\r\n")));
        assertThrows(IOException.class, () -> HttpRequestHead.read(stream("GET / HTTP/1.1\r\nno colon\r\n\r\n")));
        assertThrows(IOException.class, () -> HttpRequestHead.read(stream("GET / HTTP/1.1\r\nHost: x\r\n")));
    }

    @Test
    void anOversizedHeadIsRefused() {
        String huge = "GET / HTTP/1.1\r\nX: " + "a".repeat(HttpRequestHead.MAX_HEAD) + "\r\n\r\n";
        IOException e = assertThrows(IOException.class, () -> HttpRequestHead.read(stream(huge)));
        assertTrue(e.getMessage().contains("exceeds"), e.getMessage());
    }
}
