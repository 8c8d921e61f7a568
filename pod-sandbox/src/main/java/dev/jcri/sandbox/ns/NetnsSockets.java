package dev.jcri.sandbox.ns;

import java.io.IOException;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;

/**
 * TCP connections from inside a pod's network namespace, for port forwarding.
 *
 * <p>A socket belongs to the namespace of the thread that created it, for its whole life; so it is created on a
 * {@link NetnsThread}, and the connection itself is made and used from any thread. No helper process (nsenter,
 * socat) is spawned per connection.
 */
public final class NetnsSockets {
    private NetnsSockets() {}

    /**
     * Connects to {@code port} on the loopback of the namespace pinned at {@code netns} (the host's when
     * {@code netns} is null): 127.0.0.1 first, then ::1.
     */
    public static SocketChannel connectLoopback(Path netns, int port) throws IOException, InterruptedException {
        try {
            return connect(netns, new InetSocketAddress(InetAddress.getByName("127.0.0.1"), port));
        } catch (ConnectException refusedOnIpv4) {
            try {
                return connect(netns, new InetSocketAddress(InetAddress.getByName("::1"), port));
            } catch (IOException e) {
                throw refusedOnIpv4;
            }
        }
    }

    private static SocketChannel connect(Path netns, InetSocketAddress address)
            throws IOException, InterruptedException {
        SocketChannel channel = netns == null ? SocketChannel.open() : openIn(netns);
        try {
            channel.connect(address);
            return channel;
        } catch (IOException e) {
            channel.close();
            throw e;
        }
    }

    private static SocketChannel openIn(Path netns) throws IOException, InterruptedException {
        return NetnsThread.call(netns, SocketChannel::open);
    }
}
