package dev.jcri.sandbox.container.spec;

import dev.jcri.linux.DeviceNodes;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A host device node as the OCI spec describes it for {@code linux.devices}: the runtime creates a node with these
 * numbers at {@code path} in the container.
 *
 * @param type {@code c} or {@code b}
 * @param fileMode permission bits of the host node
 */
record HostDevice(String path, String type, int major, int minor, int fileMode, long uid, long gid) {
    private static final int S_IFMT = 0170000;
    private static final int S_IFDIR = 0040000;

    /** Directories under /dev that hold no devices of their own or are the container's (Docker's list). */
    private static final Set<String> SKIPPED_DIRS =
            Set.of("pts", "shm", "fd", "mqueue", ".lxc", ".lxd-mounts", ".udev");

    /**
     * The device at {@code hostPath} (links followed, as {@code /dev/disk/by-id/...} are links), or every device
     * below it when it is a directory, each placed at the same relative path under {@code containerPath}.
     *
     * @param field the CRI field, for messages, e.g. {@code devices[0].host_path}
     */
    static List<HostDevice> lookUp(Path hostPath, String containerPath, String field) throws IOException {
        Map<String, Object> attributes;
        try {
            attributes = Files.readAttributes(hostPath, "unix:mode,rdev,uid,gid");
        } catch (NoSuchFileException e) {
            throw new IllegalArgumentException(field + ": \"" + hostPath + "\" does not exist on this node");
        }
        int mode = (Integer) attributes.get("mode");
        if ((mode & S_IFMT) == S_IFDIR) {
            List<HostDevice> devices = new ArrayList<>();
            collect(hostPath, containerPath, devices);
            return devices;
        }
        HostDevice device = of(containerPath, attributes);
        if (device == null) {
            throw new IllegalArgumentException(field + ": \"" + hostPath + "\" is not a device node");
        }
        return List.of(device);
    }

    /** Every device node under the host's /dev, for privileged containers. */
    static List<HostDevice> allOnHost() throws IOException {
        List<HostDevice> devices = new ArrayList<>();
        collect(Path.of("/dev"), "/dev", devices);
        return devices;
    }

    private static void collect(Path dir, String containerDir, List<HostDevice> out) throws IOException {
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
            for (Path entry : entries) {
                String name = entry.getFileName().toString();
                String containerPath = containerDir + "/" + name;
                Map<String, Object> attributes;
                try {
                    // Links are skipped: they point at devices listed under their real names anyway.
                    attributes = Files.readAttributes(entry, "unix:mode,rdev,uid,gid", LinkOption.NOFOLLOW_LINKS);
                } catch (NoSuchFileException e) {
                    continue;
                }
                int mode = (Integer) attributes.get("mode");
                if ((mode & S_IFMT) == S_IFDIR) {
                    if (!SKIPPED_DIRS.contains(name)) {
                        collect(entry, containerPath, out);
                    }
                    continue;
                }
                // The runtime gives the container a console of its own.
                if (containerDir.equals("/dev") && name.equals("console")) {
                    continue;
                }
                HostDevice device = of(containerPath, attributes);
                if (device != null) {
                    out.add(device);
                }
            }
        }
    }

    private static HostDevice of(String containerPath, Map<String, Object> attributes) {
        int mode = (Integer) attributes.get("mode");
        String type = switch (mode & S_IFMT) {
            case DeviceNodes.S_IFCHR -> "c";
            case DeviceNodes.S_IFBLK -> "b";
            default -> null;
        };
        if (type == null) {
            return null;
        }
        long rdev = (Long) attributes.get("rdev");
        return new HostDevice(
                containerPath,
                type,
                DeviceNodes.major(rdev),
                DeviceNodes.minor(rdev),
                mode & 0777,
                Integer.toUnsignedLong((Integer) attributes.get("uid")),
                Integer.toUnsignedLong((Integer) attributes.get("gid")));
    }
}
