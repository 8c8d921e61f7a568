package dev.jcri.sandbox.container;

import dev.jcri.linux.ErrnoException;
import dev.jcri.linux.IdmappedMount;
import dev.jcri.linux.Mount;
import dev.jcri.linux.OpenFiles;
import dev.jcri.sandbox.ns.UserMappings;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A container's root filesystem: an overlay of the image's layers (read-only lower dirs, top layer first) with
 * the container's own upper and work dirs.
 */
public final class RootfsMount {
    /** mount(2) takes its data in one page; longer lower-dir lists need shorter paths. */
    private static final int MAX_MOUNT_DATA = 4095;

    /**
     * Whether the rootfs overlay is mounted {@code volatile}: overlayfs then never syncs the upper dir's file
     * system, neither for the container's fsyncs nor at the unmount, which otherwise syncs the whole file system
     * under jcri's root (~8 ms of RemoveContainer here). A container's writable layer does not outlive a crash
     * of the node in use: after a reboot no container runs again from it (its bundle is gone; recovery records it
     * EXITED) and removal deletes it, the volatile marker in its work dir with it, so nothing mounts it again.
     */
    private static volatile boolean volatileUpper = true;

    private RootfsMount() {}

    /** The node's overlayfs, for the operations that take a {@link ContainerRootfs}. */
    public static ContainerRootfs overlay() {
        return new ContainerRootfs() {
            @Override
            public void mount(Path target, List<Path> layersBottomFirst, Path upper, Path work) throws IOException {
                RootfsMount.mount(target, layersBottomFirst, upper, work);
            }

            @Override
            public void mountIdmapped(
                    Path target,
                    List<Path> layersBottomFirst,
                    Path upper,
                    Path work,
                    Path usernsPin,
                    UserMappings users,
                    Path scratch)
                    throws IOException {
                RootfsMount.mountIdmapped(target, layersBottomFirst, upper, work, usernsPin, users, scratch);
            }

            @Override
            public void mountImageVolume(
                    Path target,
                    List<Path> layersBottomFirst,
                    Path emptyLower,
                    Path usernsPin,
                    UserMappings users,
                    Path scratch)
                    throws IOException {
                RootfsMount.mountImageVolume(target, layersBottomFirst, emptyLower, usernsPin, users, scratch);
            }

            @Override
            public void unmount(Path target) throws IOException {
                RootfsMount.unmount(target);
            }
        };
    }

    /** @param layersBottomFirst the image's layer diff dirs, bottom layer first, as the image lists them */
    public static void mount(Path target, List<Path> layersBottomFirst, Path upper, Path work) throws IOException {
        Files.createDirectories(target);
        Files.createDirectories(upper);
        Files.createDirectories(work);
        String data = "lowerdir=" + lowerDirs(layersBottomFirst) + ",upperdir=" + escape(upper.toString()) + ",workdir="
                + escape(work.toString());
        if (volatileUpper) {
            try {
                mountOverlay(target, 0, data + ",volatile", layersBottomFirst.size());
                return;
            } catch (ErrnoException e) {
                if (e.errno() != ErrnoException.EINVAL) {
                    throw e;
                }
                // A kernel before 5.10 knows no volatile; any other EINVAL fails again below, and only a plain
                // mount that then works turns volatile off for good.
                mountOverlay(target, 0, data, layersBottomFirst.size());
                volatileUpper = false;
                return;
            }
        }
        mountOverlay(target, 0, data, layersBottomFirst.size());
    }

    /**
     * An image volume: the image's layers as an overlay without an upper dir, so read-only by construction, and
     * mounted nosuid, nodev, noexec. overlayfs wants two lower dirs at least without an upper one: a one-layer
     * image gets {@code emptyLower} (made here) below its layer. With {@code usernsPin}, each layer goes through an
     * idmapped mount of that user namespace under {@code scratch}, as {@link #mountIdmapped} does for the rootfs.
     */
    public static void mountImageVolume(
            Path target,
            List<Path> layersBottomFirst,
            Path emptyLower,
            Path usernsPin,
            UserMappings users,
            Path scratch)
            throws IOException {
        if (layersBottomFirst.isEmpty()) {
            throw new IOException("the image has no layers to mount");
        }
        List<Path> layers = new ArrayList<>(layersBottomFirst);
        if (layers.size() == 1) {
            Files.createDirectories(emptyLower);
            layers.addFirst(emptyLower);
        }
        Files.createDirectories(target);
        long flags = Mount.MS_RDONLY | Mount.MS_NOSUID | Mount.MS_NODEV | Mount.MS_NOEXEC;
        if (usernsPin == null) {
            mountOverlay(target, flags, "lowerdir=" + lowerDirs(layers), layers.size());
            return;
        }
        throughIdmappedLayers(
                layers,
                usernsPin,
                scratch,
                mapped -> mountOverlay(target, flags, "lowerdir=" + lowerDirs(mapped), mapped.size()));
    }

    /** Top layer first, as overlayfs lists them. */
    private static String lowerDirs(List<Path> layersBottomFirst) {
        StringBuilder lower = new StringBuilder();
        for (int i = layersBottomFirst.size() - 1; i >= 0; i--) {
            if (!lower.isEmpty()) {
                lower.append(':');
            }
            lower.append(escape(layersBottomFirst.get(i).toString()));
        }
        return lower.toString();
    }

    private static void mountOverlay(Path target, long flags, String data, int layerCount) throws IOException {
        if (data.length() > MAX_MOUNT_DATA) {
            throw new IOException(
                    "the image has too many layers (" + layerCount + ") for one overlay mount with these paths");
        }
        Mount.mount("overlay", target.toString(), "overlay", flags, data);
    }

    /**
     * The root filesystem of a container in a pod with its own users: each layer is given to overlayfs through an
     * idmapped mount of the pod's user namespace, so the image's root-owned files are the pod root's inside and
     * nothing in the shared layers is chowned; the upper dir belongs to the pod's root on the host, so what the
     * container writes is owned by an unprivileged host user. The idmapped layer mounts live under
     * {@code scratch} only while overlayfs is mounted (it keeps private clones of its layers) and are gone after.
     */
    public static void mountIdmapped(
            Path target,
            List<Path> layersBottomFirst,
            Path upper,
            Path work,
            Path usernsPin,
            UserMappings users,
            Path scratch)
            throws IOException {
        Files.createDirectories(upper);
        Files.createDirectories(work);
        Files.setAttribute(upper, "unix:uid", (int) users.hostRootUid());
        Files.setAttribute(upper, "unix:gid", (int) users.hostRootGid());
        throughIdmappedLayers(layersBottomFirst, usernsPin, scratch, mapped -> mount(target, mapped, upper, work));
    }

    /** Mounts an overlay from the layers' idmapped mounts. */
    private interface OverlayOfLayers {
        void mount(List<Path> mappedLayers) throws IOException;
    }

    /**
     * Gives {@code overlay} each layer as an idmapped mount of the user namespace {@code usernsPin} under
     * {@code scratch}, and detaches and deletes those mounts after: overlayfs keeps private clones of its layers.
     */
    private static void throughIdmappedLayers(
            List<Path> layersBottomFirst, Path usernsPin, Path scratch, OverlayOfLayers overlay) throws IOException {
        List<Path> mapped = new ArrayList<>();
        int userns = OpenFiles.openReadOnly(usernsPin.toString());
        try {
            for (int i = 0; i < layersBottomFirst.size(); i++) {
                Path dir = scratch.resolve(Integer.toString(i));
                Files.createDirectories(dir);
                mapped.add(dir);
                IdmappedMount.attach(layersBottomFirst.get(i).toString(), userns, dir.toString(), true, false);
            }
            overlay.mount(mapped);
        } finally {
            OpenFiles.close(userns);
            for (Path dir : mapped) {
                unmount(dir);
                Files.deleteIfExists(dir);
            }
            Files.deleteIfExists(scratch);
        }
    }

    /** Idempotent: a target that is not mounted (any more) is fine. */
    public static void unmount(Path target) throws IOException {
        Mount.detach(target.toString());
    }

    /** Overlay options split on ',' and lower dirs on ':'; jcri's own paths never hold them, but say so loudly. */
    private static String escape(String path) {
        if (path.indexOf(',') >= 0 || path.indexOf(':') >= 0) {
            throw new IllegalArgumentException("overlay path with ',' or ':' not supported: " + path);
        }
        return path;
    }
}
