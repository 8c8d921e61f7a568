package dev.jcri.sandbox.container;

import dev.jcri.linux.MountTable;
import java.io.IOException;
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
        HostMountPropagation best = new HostMountPropagation("/", false, false);
        int bestLength = -1;
        for (MountTable.Entry entry : MountTable.read()) {
            String mountPoint = entry.mountPoint().toString();
            boolean contains = path.startsWith(entry.mountPoint());
            // The last mount at the longest matching point is the one on top.
            if (contains && mountPoint.length() >= bestLength) {
                boolean shared = entry.optionalFields().stream().anyMatch(f -> f.startsWith("shared:"));
                boolean slave = entry.optionalFields().stream().anyMatch(f -> f.startsWith("master:"));
                best = new HostMountPropagation(mountPoint, shared, slave);
                bestLength = mountPoint.length();
            }
        }
        return best;
    }
}
