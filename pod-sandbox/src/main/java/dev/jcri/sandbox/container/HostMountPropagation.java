package dev.jcri.sandbox.container;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The propagation of the host mount a path lies on, from /proc/self/mountinfo: whether mounts made below it later
 * can reach a container (shared or slave) or go back to the host (shared).
 *
 * <p>As CRI-O and containerd do, jcri checks rather than changes the host: a container asking for propagation from
 * a private mount would silently never see anything, so it is refused with the reason; making the operator's mount
 * shared is the operator's call (kubelet's own mounts under /var/lib/kubelet are shared on a normal node).
 */
record HostMountPropagation(String mountPoint, boolean shared, boolean slave) {

    static HostMountPropagation of(Path path) throws IOException {
        String mountinfo;
        try (InputStream in = Files.newInputStream(Path.of("/proc/self/mountinfo"))) {
            mountinfo = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        HostMountPropagation best = new HostMountPropagation("/", false, false);
        int bestLength = -1;
        for (String line : mountinfo.split("\n")) {
            int separator = line.indexOf(" - ");
            if (separator < 0) {
                continue;
            }
            String[] fields = line.substring(0, separator).split(" ");
            if (fields.length < 6) {
                continue;
            }
            String mountPoint = fields[4].replace("\\040", " ");
            boolean contains = path.startsWith(Path.of(mountPoint));
            // The last mount at the longest matching point is the one on top.
            if (contains && mountPoint.length() >= bestLength) {
                boolean shared = false;
                boolean slave = false;
                for (int i = 6; i < fields.length; i++) {
                    shared |= fields[i].startsWith("shared:");
                    slave |= fields[i].startsWith("master:");
                }
                best = new HostMountPropagation(mountPoint, shared, slave);
                bestLength = mountPoint.length();
            }
        }
        return best;
    }
}
