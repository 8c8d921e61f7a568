package dev.jcri.sandbox.ns;

import dev.jcri.linux.IdmappedMount;
import dev.jcri.linux.OpenFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Whether this node can run pods in user namespaces, asked once: the kernel must allow user namespaces, util-linux
 * {@code unshare} must be there to create them, and the filesystem holding the image layers must take idmapped
 * mounts (without them the image's files would show as nobody's inside the pod, and chowning shared layers is not
 * an option). The answer goes into Status, so kubelet only sends {@code hostUsers: false} pods when it is yes.
 */
public final class UserNamespaceSupport {
    private static final Logger log = LoggerFactory.getLogger(UserNamespaceSupport.class);
    /** A range no pod gets from kubelet (it hands out multiples of 65536 from 65536 up): only the probe uses it. */
    private static final UserMappings PROBE = new UserMappings(new UserMappings.Range(0, 0xFFFE0000L, 65536),
            new UserMappings.Range(0, 0xFFFE0000L, 65536));

    private final Path layers;
    private volatile Optional<String> missing;

    /** @param layers a directory on the filesystem that holds the image layers */
    public UserNamespaceSupport(Path layers) {
        this.layers = layers;
    }

    public boolean available() {
        return missing().isEmpty();
    }

    /** Why the node cannot, empty when it can. */
    public synchronized Optional<String> missing() {
        if (missing == null) {
            missing = probe();
            log.info("user namespaces {}", missing.map(why -> "not available: " + why).orElse("available"));
        }
        return missing;
    }

    private Optional<String> probe() {
        try {
            Path max = Path.of("/proc/sys/user/max_user_namespaces");
            if (!Files.exists(Path.of("/proc/self/ns/user")) || (Files.exists(max)
                    && new String(Files.newInputStream(max).readNBytes(32)).strip().equals("0"))) {
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
