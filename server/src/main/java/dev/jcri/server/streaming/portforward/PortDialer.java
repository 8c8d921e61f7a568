package dev.jcri.server.streaming.portforward;

import java.io.IOException;
import java.nio.channels.SocketChannel;

/** Opens a connection to a port of the pod being forwarded to, from inside its network namespace. */
@FunctionalInterface
public interface PortDialer {
    SocketChannel dial(int port) throws IOException, InterruptedException;

    /** kubelet's wording, which kubectl shows as is. */
    static String failure(int port, String sandboxId, Exception cause) {
        return "error forwarding port " + port + " to pod " + sandboxId + ", uid : " + cause.getMessage();
    }
}
