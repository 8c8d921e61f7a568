package dev.jcri.server.streaming.websocket;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The server side of an RFC 6455 connection after the upgrade: whole messages in (fragments joined, client masks
 * removed, pings answered), binary messages out, and the closing handshake.
 */
public final class WebSocketConnection implements AutoCloseable {
    public static final int CLOSE_NORMAL = 1000;
    public static final int CLOSE_PROTOCOL_ERROR = 1002;
    public static final int CLOSE_TOO_BIG = 1009;
    private static final String ACCEPT_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
    private static final int OP_CONTINUATION = 0x0;
    private static final int OP_TEXT = 0x1;
    private static final int OP_BINARY = 0x2;
    private static final int OP_CLOSE = 0x8;
    private static final int OP_PING = 0x9;
    private static final int OP_PONG = 0xA;
    /** Kubernetes' clients send stdin and port data in small messages; a larger one is an attack or a bug. */
    private static final int MAX_MESSAGE = 1 << 20;

    private final DataInputStream in;
    private final OutputStream out;
    private final Runnable closeSocket;
    private final ReentrantLock writeLock = new ReentrantLock();
    private final AtomicBoolean closeSent = new AtomicBoolean();
    private final AtomicBoolean shutDown = new AtomicBoolean();
    private volatile long lastActivity = System.nanoTime();

    public WebSocketConnection(InputStream in, OutputStream out, Runnable closeSocket) {
        this.in = new DataInputStream(in);
        this.out = out;
        this.closeSocket = closeSocket;
    }

    /** The Sec-WebSocket-Accept value for a client's Sec-WebSocket-Key. */
    public static String acceptKey(String clientKey) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-1")
                    .digest((clientKey.strip() + ACCEPT_GUID).getBytes(StandardCharsets.US_ASCII));
            return Base64.getEncoder().encodeToString(digest);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK lacks SHA-1", e);
        }
    }

    public long lastActivityNanos() {
        return lastActivity;
    }

    /**
     * The next data message (text or binary, payload only), or null once the client closed the connection. Call
     * from one thread only.
     */
    public byte[] readMessage() throws IOException {
        ByteArrayOutputStream message = null;
        while (true) {
            int first;
            try {
                first = in.readUnsignedByte();
            } catch (EOFException e) {
                return null;
            }
            int second = in.readUnsignedByte();
            boolean fin = (first & 0x80) != 0;
            int opcode = first & 0x0f;
            if ((first & 0x70) != 0 || (second & 0x80) == 0) {
                throw protocolError("reserved bits set or frame not masked");
            }
            long length = second & 0x7f;
            if (length == 126) {
                length = in.readUnsignedShort();
            } else if (length == 127) {
                length = in.readLong();
            }
            if (length < 0 || length > MAX_MESSAGE) {
                close(CLOSE_TOO_BIG, "message too big");
                throw new IOException("websocket frame of " + length + " bytes refused");
            }
            byte[] mask = new byte[4];
            in.readFully(mask);
            byte[] payload = new byte[(int) length];
            in.readFully(payload);
            for (int i = 0; i < payload.length; i++) {
                payload[i] ^= mask[i & 3];
            }
            lastActivity = System.nanoTime();
            switch (opcode) {
                case OP_PING -> writeFrame(OP_PONG, payload);
                case OP_PONG -> {}
                case OP_CLOSE -> {
                    close(CLOSE_NORMAL, "");
                    return null;
                }
                case OP_TEXT, OP_BINARY, OP_CONTINUATION -> {
                    if ((opcode == OP_CONTINUATION) != (message != null)) {
                        throw protocolError("unexpected continuation frame");
                    }
                    if (message == null) {
                        message = new ByteArrayOutputStream();
                    }
                    message.writeBytes(payload);
                    if (message.size() > MAX_MESSAGE) {
                        close(CLOSE_TOO_BIG, "message too big");
                        throw new IOException("websocket message over " + MAX_MESSAGE + " bytes refused");
                    }
                    if (fin) {
                        return message.toByteArray();
                    }
                }
                default -> throw protocolError("unknown opcode " + opcode);
            }
        }
    }

    /** Sends one binary message. */
    public void sendBinary(byte[] payload) throws IOException {
        writeFrame(OP_BINARY, payload);
    }

    /** Sends one text message (the base64 channel protocols). */
    public void sendText(String text) throws IOException {
        writeFrame(OP_TEXT, text.getBytes(StandardCharsets.UTF_8));
    }

    private void writeFrame(int opcode, byte[] payload) throws IOException {
        ByteArrayOutputStream header = new ByteArrayOutputStream(10);
        header.write(0x80 | opcode);
        if (payload.length < 126) {
            header.write(payload.length);
        } else if (payload.length <= 0xffff) {
            header.write(126);
            header.write(payload.length >>> 8);
            header.write(payload.length);
        } else {
            header.write(127);
            for (int shift = 56; shift >= 0; shift -= 8) {
                header.write((int) ((long) payload.length >>> shift));
            }
        }
        writeLock.lock();
        try {
            if (closeSent.get() && opcode != OP_CLOSE) {
                throw new IOException("websocket is closing");
            }
            out.write(header.toByteArray());
            out.write(payload);
            out.flush();
            lastActivity = System.nanoTime();
        } finally {
            writeLock.unlock();
        }
    }

    private IOException protocolError(String message) {
        close(CLOSE_PROTOCOL_ERROR, message);
        return new IOException("websocket protocol error: " + message);
    }

    /** Sends the close frame once; the client answers with its own and then the socket ends. */
    public void close(int code, String reason) {
        if (!closeSent.compareAndSet(false, true)) {
            return;
        }
        byte[] text = reason.getBytes(StandardCharsets.UTF_8);
        byte[] payload = new byte[2 + Math.min(text.length, 120)];
        payload[0] = (byte) (code >>> 8);
        payload[1] = (byte) code;
        System.arraycopy(text, 0, payload, 2, payload.length - 2);
        try {
            writeFrame(OP_CLOSE, payload);
        } catch (IOException e) {
            // The client is gone; nothing to tell it.
        }
    }

    /** Closes the socket; a close frame is sent first if none was. */
    @Override
    public void close() {
        close(CLOSE_NORMAL, "");
        if (shutDown.compareAndSet(false, true)) {
            closeSocket.run();
        }
    }
}
