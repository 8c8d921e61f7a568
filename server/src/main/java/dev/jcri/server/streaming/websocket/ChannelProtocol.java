package dev.jcri.server.streaming.websocket;

import java.io.IOException;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;

/**
 * Kubernetes' channel framing over WebSocket: every message starts with the number of the channel it belongs to,
 * as a byte (binary protocols) or as an ASCII digit followed by base64 (the {@code base64.} protocols, for
 * clients that cannot send binary frames).
 */
public record ChannelProtocol(String name, boolean base64, boolean statusJson, boolean closeSignal) {
    /** A v5 client closes its side of a channel with {255, channel}. */
    public static final int CLOSE_SIGNAL = 255;

    /** Exec and attach, in the order jcri prefers them when a client offers several it does not rank. */
    public static final List<ChannelProtocol> REMOTE_COMMAND = List.of(
            new ChannelProtocol("v5.channel.k8s.io", false, true, true),
            new ChannelProtocol("v4.channel.k8s.io", false, true, false),
            new ChannelProtocol("v4.base64.channel.k8s.io", true, true, false),
            new ChannelProtocol("channel.k8s.io", false, false, false),
            new ChannelProtocol("base64.channel.k8s.io", true, false, false));
    /** Port forwarding, as kubelet's streaming server offers it over WebSocket. */
    public static final List<ChannelProtocol> PORT_FORWARD = List.of(
            new ChannelProtocol("v4.channel.k8s.io", false, false, false),
            new ChannelProtocol("v4.base64.channel.k8s.io", true, false, false));
    /** What a client that names no subprotocol gets. */
    public static final ChannelProtocol UNNAMED = new ChannelProtocol("", false, false, false);

    /** One received message, split. */
    public record Message(int channel, byte[] data) {}

    public Message decode(byte[] message) throws IOException {
        if (message.length == 0) {
            return null;
        }
        if (!base64) {
            return new Message(message[0] & 0xff, Arrays.copyOfRange(message, 1, message.length));
        }
        int channel = message[0] - '0';
        if (channel < 0 || channel > 9) {
            throw new IOException("base64 channel message does not start with a digit");
        }
        try {
            return new Message(channel, Base64.getDecoder().decode(Arrays.copyOfRange(message, 1, message.length)));
        } catch (IllegalArgumentException e) {
            throw new IOException("base64 channel message does not decode: " + e.getMessage());
        }
    }

    public void send(WebSocketConnection connection, int channel, byte[] data, int offset, int length)
            throws IOException {
        if (base64) {
            connection.sendText((char) ('0' + channel)
                    + Base64.getEncoder().encodeToString(Arrays.copyOfRange(data, offset, offset + length)));
        } else {
            byte[] message = new byte[length + 1];
            message[0] = (byte) channel;
            System.arraycopy(data, offset, message, 1, length);
            connection.sendBinary(message);
        }
    }

    /**
     * The client's first offered protocol that {@code supported} has (the client ranks them, as in kubelet);
     * UNNAMED when it offered none; null when it offered only unknown ones.
     */
    public static ChannelProtocol negotiate(List<String> offered, List<ChannelProtocol> supported) {
        if (offered.isEmpty()) {
            return UNNAMED;
        }
        for (String name : offered) {
            for (ChannelProtocol protocol : supported) {
                if (protocol.name.equals(name)) {
                    return protocol;
                }
            }
        }
        return null;
    }
}
