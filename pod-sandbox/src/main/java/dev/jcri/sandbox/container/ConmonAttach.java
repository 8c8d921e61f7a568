package dev.jcri.sandbox.container;

import dev.jcri.linux.NativeFd;
import dev.jcri.linux.UnixSockets;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * One client's connection to conmon's attach socket (SOCK_SEQPACKET, in the bundle dir): conmon sends each chunk of
 * the container's output as one packet whose first byte names the pipe, and writes what the client sends to the
 * container's stdin. Several clients may be attached at once; each gets every packet.
 *
 * <p>When the client ends its side, conmon closes the container's stdin if the container was created with
 * {@code stdin_once}; otherwise stdin stays open for the next client.
 */
public final class ConmonAttach implements AutoCloseable {
    /** conmon's pipe numbers: 1 is stdin, so stdout is 2 and stderr 3. */
    public static final int STDOUT = 2;

    public static final int STDERR = 3;
    /** conmon's packets carry at most its stdio buffer (8 KiB) plus the pipe byte; its socket buffer is 32 KiB. */
    private static final int PACKET_MAX = 32 * 1024 + 1;

    /** A chunk of output and the pipe it came from. */
    public record Output(int pipe, byte[] data) {}

    private final NativeFd socket;
    private final byte[] buffer = new byte[PACKET_MAX];

    private ConmonAttach(NativeFd socket) {
        this.socket = socket;
    }

    static ConmonAttach connect(Path socket) throws IOException {
        return new ConmonAttach(UnixSockets.connectSeqpacket(socket));
    }

    /** The next chunk of output, or null once conmon closed the socket (the container exited). Platform threads only. */
    public Output read() throws IOException {
        while (true) {
            int n = socket.read(buffer, 0, buffer.length);
            if (n < 0) {
                return null;
            }
            if (n > 1) {
                return new Output(buffer[0], Arrays.copyOfRange(buffer, 1, n));
            }
        }
    }

    public void writeStdin(byte[] data, int offset, int length) throws IOException {
        while (length > 0) {
            int chunk = Math.min(length, 8192);
            socket.write(data, offset, chunk);
            offset += chunk;
            length -= chunk;
        }
    }

    /** Ends this client's input; see the class comment for what conmon does with the container's stdin. */
    public void closeStdin() {
        socket.shutdownOutput();
    }

    /** Detaches: a thread blocked in {@link #read()} returns null at once. */
    public void detach() {
        socket.shutdown();
    }

    /** Only after every thread that reads or writes this connection is done with it. */
    @Override
    public void close() {
        socket.close();
    }
}
