package dev.jcri.server.streaming.request;

import java.util.List;

/** What a CRI Exec, Attach or PortForward call asked for, kept under its token until the client connects. */
public sealed interface StreamRequest {

    /** The URL path segment: {@code /exec/<token>} and so on, as kubelet's streaming server names them. */
    String kind();

    record Exec(String containerId, List<String> command, boolean tty, boolean stdin, boolean stdout, boolean stderr)
            implements StreamRequest {
        public Exec {
            command = List.copyOf(command);
        }

        @Override
        public String kind() {
            return "exec";
        }
    }

    record Attach(String containerId, boolean tty, boolean stdin, boolean stdout, boolean stderr)
            implements StreamRequest {
        @Override
        public String kind() {
            return "attach";
        }
    }

    /** {@code ports} may be empty: the client then names them (WebSocket query, SPDY stream headers). */
    record PortForward(String sandboxId, List<Integer> ports) implements StreamRequest {
        public PortForward {
            ports = List.copyOf(ports);
        }

        @Override
        public String kind() {
            return "portforward";
        }
    }
}
