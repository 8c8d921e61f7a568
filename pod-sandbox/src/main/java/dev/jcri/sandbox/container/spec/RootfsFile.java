package dev.jcri.sandbox.container.spec;

import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.Channels;
import java.nio.channels.SeekableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Reads a file of a container's rootfs as the container would see it: every symbolic link, absolute or relative,
 * resolves with the rootfs as {@code /}, and {@code ..} stops at it. An image is untrusted input; a link such as
 * {@code /etc/passwd -> /host/etc/shadow} must never reach the host's files.
 */
final class RootfsFile {
    /** Linux's own limit on links followed while resolving one path. */
    private static final int MAX_LINKS = 40;
    /** Far above any real passwd or group file; keeps a hostile image from exhausting the daemon's heap. */
    static final int MAX_BYTES = 8 << 20;

    private RootfsFile() {}

    /**
     * The file's text, or empty when the path does not exist in the rootfs.
     *
     * @param containerPath absolute, as seen inside the container
     * @throws IllegalArgumentException when it is not a regular file, too large, or loops through links
     */
    static Optional<String> read(Path rootfs, String containerPath) throws IOException {
        Optional<Path> resolved = resolve(rootfs, containerPath);
        if (resolved.isEmpty()) {
            return Optional.empty();
        }
        Path file = resolved.get();
        BasicFileAttributes attributes =
                Files.readAttributes(file, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        // A FIFO or device here would block or stream forever; only a plain file is a user database.
        if (!attributes.isRegularFile()) {
            throw new IllegalArgumentException("the image's " + containerPath + " is not a regular file");
        }
        // NOFOLLOW: the last component was checked above; refuse it should it have turned into a link since.
        try (SeekableByteChannel channel =
                        Files.newByteChannel(file, Set.of(StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS));
                InputStream in = Channels.newInputStream(channel)) {
            byte[] bytes = in.readNBytes(MAX_BYTES + 1);
            if (bytes.length > MAX_BYTES) {
                throw new IllegalArgumentException(
                        "the image's " + containerPath + " is larger than " + MAX_BYTES + " bytes");
            }
            return Optional.of(new String(bytes, StandardCharsets.UTF_8));
        }
    }

    /**
     * The host path of {@code containerPath} inside {@code rootfs} with every link resolved, or empty when some
     * component does not exist (or a non-directory sits where a directory is needed).
     */
    static Optional<Path> resolve(Path rootfs, String containerPath) throws IOException {
        Deque<String> pending = new ArrayDeque<>(components(containerPath));
        List<String> resolved = new ArrayList<>();
        int links = 0;
        while (!pending.isEmpty()) {
            String component = pending.pollFirst();
            if (component.equals("..")) {
                if (!resolved.isEmpty()) {
                    resolved.removeLast();
                }
                continue;
            }
            Path candidate = join(rootfs, resolved).resolve(component);
            BasicFileAttributes attributes;
            try {
                attributes = Files.readAttributes(candidate, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
            } catch (NoSuchFileException | NotDirectoryException e) {
                return Optional.empty();
            }
            if (attributes.isSymbolicLink()) {
                if (++links > MAX_LINKS) {
                    throw new IllegalArgumentException("the image's " + containerPath + " goes through more than "
                            + MAX_LINKS + " symbolic links");
                }
                String target = Files.readSymbolicLink(candidate).toString();
                if (target.startsWith("/")) {
                    resolved.clear();
                }
                List<String> targetComponents = components(target);
                for (int i = targetComponents.size() - 1; i >= 0; i--) {
                    pending.addFirst(targetComponents.get(i));
                }
                continue;
            }
            if (!pending.isEmpty() && !attributes.isDirectory()) {
                return Optional.empty();
            }
            resolved.add(component);
        }
        return Optional.of(join(rootfs, resolved));
    }

    private static List<String> components(String path) {
        List<String> out = new ArrayList<>();
        for (String part : path.split("/")) {
            if (!part.isEmpty() && !part.equals(".")) {
                out.add(part);
            }
        }
        return out;
    }

    private static Path join(Path rootfs, List<String> components) {
        Path path = rootfs;
        for (String component : components) {
            path = path.resolve(component);
        }
        return path;
    }
}
