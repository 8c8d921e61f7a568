package dev.jcri.server.streaming.websocket;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class WebSocketConnectionTest {

    /** A client frame: masked, as RFC 6455 requires of clients. */
    private static byte[] clientFrame(int opcode, boolean fin, byte[] payload) {
        ByteArrayOutputStream frame = new ByteArrayOutputStream();
        frame.write((fin ? 0x80 : 0) | opcode);
        frame.write(0x80 | payload.length);
        byte[] mask = {1, 2, 3, 4};
        frame.writeBytes(mask);
        for (int i = 0; i < payload.length; i++) {
            frame.write(payload[i] ^ mask[i & 3]);
        }
        return frame.toByteArray();
    }

    @Test
    void theAcceptKeyIsTheOneFromTheRfc() {
        assertEquals("s3pPLMBiTxaQ9kYGzzhZRbK+xOo=", WebSocketConnection.acceptKey("dGhlIHNhbXBsZSBub25jZQ=="));
    }

    @Test
    void fragmentsAreJoinedPingsAnsweredAndCloseEnds() throws IOException {
        ByteArrayOutputStream in = new ByteArrayOutputStream();
        in.writeBytes(clientFrame(0x2, false, new byte[] {0, 'a'}));
        in.writeBytes(clientFrame(0x9, true, "hi".getBytes(StandardCharsets.UTF_8)));
        in.writeBytes(clientFrame(0x0, true, new byte[] {'b'}));
        in.writeBytes(clientFrame(0x8, true, new byte[] {0x03, (byte) 0xe8}));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        WebSocketConnection connection =
                new WebSocketConnection(new ByteArrayInputStream(in.toByteArray()), out, () -> {});
        assertArrayEquals(new byte[] {0, 'a', 'b'}, connection.readMessage());
        assertNull(connection.readMessage());
        byte[] written = out.toByteArray();
        assertEquals(0x8A, written[0] & 0xff, "a pong first");
        assertEquals("hi", new String(written, 2, 2, StandardCharsets.UTF_8));
        assertEquals(0x88, written[4] & 0xff, "then the close reply");
    }

    @Test
    void anUnmaskedClientFrameIsAProtocolError() {
        byte[] unmasked = {(byte) 0x82, 1, 0};
        WebSocketConnection connection =
                new WebSocketConnection(new ByteArrayInputStream(unmasked), new ByteArrayOutputStream(), () -> {});
        assertThrows(IOException.class, connection::readMessage);
    }

    @Test
    void channelProtocolsAreNegotiatedInTheClientsOrder() {
        assertEquals(
                "v4.channel.k8s.io",
                ChannelProtocol.negotiate(
                                List.of("v9", "v4.channel.k8s.io", "v5.channel.k8s.io"), ChannelProtocol.REMOTE_COMMAND)
                        .name());
        assertEquals(ChannelProtocol.UNNAMED, ChannelProtocol.negotiate(List.of(), ChannelProtocol.REMOTE_COMMAND));
        assertNull(ChannelProtocol.negotiate(List.of("v5.channel.k8s.io"), ChannelProtocol.PORT_FORWARD));
    }

    @Test
    void base64ChannelsAreDecoded() throws IOException {
        ChannelProtocol base64 = ChannelProtocol.REMOTE_COMMAND.stream()
                .filter(ChannelProtocol::base64)
                .findFirst()
                .orElseThrow();
        ChannelProtocol.Message message = base64.decode("0aGk=".getBytes(StandardCharsets.US_ASCII));
        assertEquals(0, message.channel());
        assertEquals("hi", new String(message.data(), StandardCharsets.UTF_8));
        assertThrows(IOException.class, () -> base64.decode("x!!".getBytes(StandardCharsets.US_ASCII)));
    }
}
