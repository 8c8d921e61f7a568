package dev.jcri.sandbox.ns;

import dev.jcri.linux.IdmappedMount;
import dev.jcri.linux.OpenFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Whether this node can run pods in user namespaces, asked once: the kernel must allow user namespaces, util-linux
 * {@code unshare} must be there to create them, and the filesystem holding the image layers must take idmapped
 * mounts (without them the image's files would show as nobody's inside the pod, and chowning shared layers is not
 * an option); then per runtime handler, whether its runtime is safe with them. The answers go into Status, so
 * kubelet only sends {@code hostUsers: false} pods to a handler that says yes.
 */
public final class UserNamespaceSupport {
    /** A range no pod gets from kubelet (it hands out multiples of 65536 from 65536 up): only the probe uses it. */
    private static final UserMappings PROBE = new UserMappings(
            new UserMappings.Range(0, 0xFFFE0000L, 65536), new UserMappings.Range(0, 0xFFFE0000L, 65536));

    private final Path layers;
    private final Map<String, Optional<String>> handlerProblems;
    private volatile Optional<String> missing;

    /**
     * @param layers a directory on the filesystem that holds the image layers
     * @param handlerProblems per runtime handler, why its runtime must not run user-namespaced pods (empty: may)
     */
    public UserNamespaceSupport(Path layers, Map<String, Optional<String>> handlerProblems) {
        this.layers = layers;
        this.handlerProblems = Map.copyOf(handlerProblems);
    }

    public boolean available(String handler) {
        return missing(handler).isEmpty();
    }

    /** Why pods of {@code handler} cannot have their own users here, empty when they can. */
    public Optional<String> missing(String handler) {
        Optional<String> node = missing();
        if (node.isPresent()) {
            return node;
        }
        return handlerProblems.getOrDefault(handler, Optional.of("unknown runtime handler " + handler));
    }

    /** Why the node cannot, empty when it can. */
    public synchronized Optional<String> missing() {
        if (missing == null) {
            missing = probe();
        }
        return missing;
    }

    /** /proc/sys files answer one read at offset 0 (see DEVELOPERS.md); empty when the file is absent. */
    private static String maxUserNamespaces() throws IOException {
        Path max = Path.of("/proc/sys/user/max_user_namespaces");
        if (!Files.exists(max)) {
            return "";
        }
        try (var in = Files.newInputStream(max)) {
            return new String(in.readNBytes(32)).strip();
        }
    }

    private Optional<String> probe() {
        try {
            if (!Files.exists(Path.of("/proc/self/ns/user"))
                    || maxUserNamespaces().equals("0")) {
                return Optional.of("the kernel does not allow user namespaces");
            }
            Files.createDirectories(layers);
            try (NamespaceHolder holder = NamespaceHolder.start(List.of())) {
                holder.map(PROBE);
                int userns = OpenFiles.openReadOnly(holder.namespaceFile("user").toString());
                try {
                    if (!IdmappedMount.supported(layers.toString(), userns)) {
                        return Optional.of("the filesystem of " + layers + " does not support idmapped mounts");
                    }
                } finally {
                    OpenFiles.close(userns);
                }
            }
            return Optional.empty();
        } catch (IOException e) {
            return Optional.of("cannot create a user namespace: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.of("interrupted while checking");
        }
    }
}
