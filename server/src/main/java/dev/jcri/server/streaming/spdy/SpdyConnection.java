package dev.jcri.server.streaming.spdy;

import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The server side of a SPDY/3.1 session after the HTTP upgrade, as Kubernetes' streaming clients use it: the client
 * opens every stream; jcri answers each SYN_STREAM with a SYN_REPLY, echoes PINGs, and ignores SETTINGS and
 * WINDOW_UPDATE (the Go implementation kubelet and kubectl use has no flow control, and neither does this one).
 *
 * <p>One thread reads frames; any thread may write, one frame at a time.
 */
public final class SpdyConnection implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(SpdyConnection.class);
    private static final int VERSION = 3;
    private static final int SYN_STREAM = 1;
    private static final int SYN_REPLY = 2;
    private static final int RST_STREAM = 3;
    private static final int PING = 6;
    private static final int GOAWAY = 7;
    private static final int HEADERS = 8;
    private static final int FLAG_FIN = 0x01;
    /** Frames are 24-bit sized; Kubernetes' clients send far smaller ones. */
    private static final int MAX_FRAME = 1 << 20;

    private static final int MAX_DATA_CHUNK = 32 * 1024;
    private static final int RST_PROTOCOL_ERROR = 1;
    private static final int RST_CANCEL = 5;
    private static final SpdyStream CLOSED = new SpdyStream(null, 0, Map.of());

    private final Socket socket;
    private final DataInputStream in;
    private final OutputStream out;
    private final Predicate<SpdyStream> accept;
    private final CountDownLatch readerDone = new CountDownLatch(1);
    private final SpdyHeaderBlock headerBlock = new SpdyHeaderBlock();
    private final ReentrantLock writeLock = new ReentrantLock();
    private final Map<Integer, SpdyStream> streams = new ConcurrentHashMap<>();
    private final BlockingQueue<SpdyStream> opened = new LinkedBlockingQueue<>();
    private volatile boolean closed;
    private volatile int lastStreamId;
    private final AtomicBoolean shutDown = new AtomicBoolean();
    private final ConcurrentLinkedQueue<Runnable> closeActions = new ConcurrentLinkedQueue<>();
    private volatile long lastActivity = System.nanoTime();

    /**
     * @param in the socket's input, positioned after the upgrade request (it may hold buffered bytes)
     * @param accept decides from its headers whether a new stream is taken (SYN_REPLY) or refused (RST_STREAM
     *     CANCEL, which the client's CreateStream reports)
     */
    public SpdyConnection(Socket socket, InputStream in, OutputStream out, Predicate<SpdyStream> accept) {
        this.socket = socket;
        this.in = new DataInputStream(in);
        this.out = out;
        this.accept = accept;
    }

    /** Starts the frame reader on a virtual thread. */
    public SpdyConnection start(String name) {
        Thread.ofVirtual().name("spdy-" + name).start(this::readLoop);
        return this;
    }

    /** The next stream the client opened, or null when the timeout passed or the connection ended. */
    public SpdyStream nextStream(long timeout, TimeUnit unit) throws InterruptedException {
        SpdyStream stream = opened.poll(timeout, unit);
        return stream == CLOSED ? null : stream;
    }

    public boolean isClosed() {
        return closed;
    }

    /** When a frame last went in either direction, for idle timeouts. */
    public long lastActivityNanos() {
        return lastActivity;
    }

    private void readLoop() {
        try {
            while (!closed) {
                int first = in.readInt();
                int second = in.readInt();
                int flags = second >>> 24;
                int length = second & 0xffffff;
                if (length > MAX_FRAME) {
                    throw new SpdyProtocolException("frame of " + length + " bytes");
                }
                byte[] payload = new byte[length];
                in.readFully(payload);
                lastActivity = System.nanoTime();
                if (first < 0) {
                    control((first >>> 16) & 0x7fff, first & 0xffff, flags, payload);
                } else {
                    data(first, flags, payload);
                }
            }
        } catch (EOFException e) {
            // The client closed the connection.
        } catch (IOException e) {
            if (!closed) {
                log.debug("spdy connection ended: {}", e.getMessage());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            readerDone.countDown();
            close();
            // Only this thread compresses and decompresses, so only it may free the zlib streams.
            headerBlock.close();
        }
    }

    private void control(int version, int type, int flags, byte[] payload) throws IOException, InterruptedException {
        if (version != VERSION) {
            throw new SpdyProtocolException("SPDY version " + version + " is not spoken here");
        }
        switch (type) {
            case SYN_STREAM -> {
                requireLength(payload, 10);
                int id = readInt(payload, 0) & 0x7fffffff;
                Map<String, List<String>> headers = headerBlock.decode(payload, 10, payload.length - 10);
                if (id == 0 || id % 2 == 0 || streams.containsKey(id)) {
                    writeControl(RST_STREAM, 0, intPair(id, RST_PROTOCOL_ERROR));
                    return;
                }
                SpdyStream stream = new SpdyStream(this, id, headers);
                if (!accept.test(stream)) {
                    writeControl(RST_STREAM, 0, intPair(id, RST_CANCEL));
                    return;
                }
                streams.put(id, stream);
                lastStreamId = id;
                reply(id);
                if ((flags & FLAG_FIN) != 0) {
                    stream.remoteClose();
                }
                opened.put(stream);
            }
            case SYN_REPLY, HEADERS -> {
                // Only their header block matters, to keep the decompressor in step.
                requireLength(payload, 4);
                headerBlock.decode(payload, 4, payload.length - 4);
                if (type == HEADERS && (flags & FLAG_FIN) != 0) {
                    remoteClose(readInt(payload, 0) & 0x7fffffff);
                }
            }
            case RST_STREAM -> {
                requireLength(payload, 8);
                SpdyStream stream = streams.remove(readInt(payload, 0) & 0x7fffffff);
                if (stream != null) {
                    stream.abort();
                }
            }
            case PING -> writeControl(PING, 0, payload);
            case GOAWAY -> closed = true;
            default -> {
                // SETTINGS, WINDOW_UPDATE and unknown types carry nothing this server acts on.
            }
        }
    }

    private void data(int id, int flags, byte[] payload) throws InterruptedException {
        SpdyStream stream = streams.get(id);
        if (stream == null) {
            return;
        }
        if (payload.length > 0) {
            stream.deliver(payload);
        }
        if ((flags & FLAG_FIN) != 0) {
            stream.remoteClose();
        }
    }

    private void remoteClose(int id) throws InterruptedException {
        SpdyStream stream = streams.get(id);
        if (stream != null) {
            stream.remoteClose();
        }
    }

    private void reply(int id) throws IOException {
        byte[] block = headerBlock.encode(Map.of());
        byte[] payload = new byte[4 + block.length];
        putInt(payload, 0, id);
        System.arraycopy(block, 0, payload, 4, block.length);
        writeControl(SYN_REPLY, 0, payload);
    }

    void writeData(int id, byte[] data, int offset, int length, boolean fin) throws IOException {
        do {
            int chunk = Math.min(length, MAX_DATA_CHUNK);
            boolean last = chunk == length;
            byte[] header = new byte[8];
            putInt(header, 0, id & 0x7fffffff);
            putInt(header, 4, ((fin && last ? FLAG_FIN : 0) << 24) | chunk);
            write(header, data, offset, chunk);
            offset += chunk;
            length -= chunk;
        } while (length > 0);
    }

    private void writeControl(int type, int flags, byte[] payload) throws IOException {
        byte[] header = new byte[8];
        putInt(header, 0, 0x80000000 | (VERSION << 16) | type);
        putInt(header, 4, (flags << 24) | payload.length);
        write(header, payload, 0, payload.length);
    }

    private void write(byte[] header, byte[] payload, int offset, int length) throws IOException {
        if (closed) {
            throw new IOException("SPDY connection closed");
        }
        writeLock.lock();
        try {
            out.write(header);
            out.write(payload, offset, length);
            out.flush();
            lastActivity = System.nanoTime();
        } catch (IOException e) {
            close();
            throw e;
        } finally {
            writeLock.unlock();
        }
    }

    /** Refuses the rest of a stream: the client's reads and writes on it end. */
    public void reset(SpdyStream stream) {
        if (streams.remove(stream.id()) != null) {
            stream.abort();
            try {
                writeControl(RST_STREAM, 0, intPair(stream.id(), RST_CANCEL));
            } catch (IOException e) {
                // The client is gone already.
            }
        }
    }

    /**
     * Ends the session politely: GOAWAY, then our side of TCP, then up to {@code linger} for the client to close
     * its side, so that nothing it still sends (a ping) turns into a reset that could cost it unread data.
     */
    public void finish(Duration linger) throws InterruptedException {
        try {
            writeControl(GOAWAY, 0, intPair(lastStreamId, 0));
            socket.shutdownOutput();
        } catch (IOException e) {
            // The client is gone already.
        }
        readerDone.await(linger.toMillis(), TimeUnit.MILLISECONDS);
        close();
    }

    /** Runs {@code action} once the connection ends, at once if it already has. */
    public void onClose(Runnable action) {
        closeActions.add(action);
        if (shutDown.get() && closeActions.remove(action)) {
            action.run();
        }
    }

    /** Ends the connection: every stream's reader sees its end, the socket is closed. Idempotent. */
    @Override
    public void close() {
        closed = true;
        if (!shutDown.compareAndSet(false, true)) {
            return;
        }
        streams.values().forEach(SpdyStream::abort);
        streams.clear();
        opened.offer(CLOSED);
        try {
            socket.close();
        } catch (IOException e) {
            // Closing is all that was wanted.
        }
        for (Runnable action; (action = closeActions.poll()) != null; ) {
            action.run();
        }
    }

    private static void requireLength(byte[] payload, int length) throws SpdyProtocolException {
        if (payload.length < length) {
            throw new SpdyProtocolException("control frame of " + payload.length + " bytes is too short");
        }
    }

    private static byte[] intPair(int a, int b) {
        byte[] bytes = new byte[8];
        putInt(bytes, 0, a);
        putInt(bytes, 4, b);
        return bytes;
    }

    private static int readInt(byte[] bytes, int offset) {
        return ((bytes[offset] & 0xff) << 24)
                | ((bytes[offset + 1] & 0xff) << 16)
                | ((bytes[offset + 2] & 0xff) << 8)
                | (bytes[offset + 3] & 0xff);
    }

    private static void putInt(byte[] bytes, int offset, int value) {
        bytes[offset] = (byte) (value >>> 24);
        bytes[offset + 1] = (byte) (value >>> 16);
        bytes[offset + 2] = (byte) (value >>> 8);
        bytes[offset + 3] = (byte) value;
    }
}
