package dev.jcri.server.daemon;

import java.io.IOException;
import java.net.ConnectException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.GroupPrincipal;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipal;
import java.nio.file.attribute.UserPrincipalLookupService;

/** The CRI socket file: claimed before the server binds, locked down after, removed on shutdown. */
public final class CriSocket {
    private CriSocket() {}

    /**
     * Makes {@code path} free to bind: a socket a live daemon answers on is refused; a stale one left by a crashed
     * daemon is removed; anything that is not a socket is left alone and refused.
     */
    public static void claim(Path path) throws IOException {
        Files.createDirectories(path.getParent());
        if (!Files.exists(path, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        Object type = Files.getAttribute(path, "unix:mode", LinkOption.NOFOLLOW_LINKS);
        boolean isSocket = type instanceof Integer mode && (mode & 0170000) == 0140000;
        if (!isSocket) {
            throw new IOException(path + " exists and is not a socket; refusing to replace it");
        }
        try (SocketChannel probe = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            probe.connect(UnixDomainSocketAddress.of(path));
            throw new IOException("a runtime is already serving on " + path
                    + "; stop it first or give this jcri another --listen path");
        } catch (ConnectException e) {
            Files.deleteIfExists(path);
        }
    }

    /** Mode 0660 owned by root:root, as kubelet's socket conventions expect. */
    public static void lockDown(Path path) throws IOException {
        Files.setPosixFilePermissions(path, PosixFilePermissions.fromString("rw-rw----"));
        UserPrincipalLookupService lookup = path.getFileSystem().getUserPrincipalLookupService();
        UserPrincipal root = lookup.lookupPrincipalByName("root");
        GroupPrincipal rootGroup = lookup.lookupPrincipalByGroupName("root");
        PosixFileAttributeView view =
                Files.getFileAttributeView(path, PosixFileAttributeView.class, LinkOption.NOFOLLOW_LINKS);
        view.setOwner(root);
        view.setGroup(rootGroup);
    }
}
