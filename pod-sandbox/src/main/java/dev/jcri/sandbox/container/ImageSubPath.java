package dev.jcri.sandbox.container;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Deque;

/**
 * An image volume's {@code image_sub_path}, resolved inside the mounted image the way the container would see it:
 * symbolic links are followed with the image's root as {@code /} (an absolute target starts again at the image's
 * root, {@code ..} stops there), so no link leads out of the image. The request itself may not climb: a sub path
 * that is absolute or holds {@code ..} is refused. The image is a read-only overlay without an upper dir, so
 * nothing can swap a component between this walk and the runtime's bind mount.
 */
final class ImageSubPath {
    /** Linux's own limit on links followed in one lookup. */
    private static final int MAX_LINKS = 40;

    private ImageSubPath() {}

    /**
     * @param root the mounted image
     * @param field the request field, for errors
     * @return the host path of the sub path, {@code root} itself for an empty one
     */
    static Path resolve(Path root, String subPath, String field) throws IOException {
        if (subPath.isEmpty()) {
            return root;
        }
        if (subPath.startsWith("/") || subPath.indexOf('\0') >= 0) {
            throw new IllegalArgumentException(field + ": \"" + printable(subPath) + "\" must be a relative path");
        }
        Deque<String> todo = new ArrayDeque<>();
        for (String name : subPath.split("/")) {
            if (name.equals("..")) {
                throw new IllegalArgumentException(field + ": \"" + printable(subPath)
                        + "\" climbs out with \"..\"; it must stay inside the image");
            }
            todo.addLast(name);
        }
        Path current = root;
        int links = 0;
        while (!todo.isEmpty()) {
            String name = todo.removeFirst();
            if (name.isEmpty() || name.equals(".")) {
                continue;
            }
            if (name.equals("..")) {
                // Only link targets get here: at the image's root, ".." is the root, as in the container.
                current = current.equals(root) ? root : current.getParent();
                continue;
            }
            Path next = current.resolve(name);
            if (!Files.isSymbolicLink(next)) {
                if (!Files.exists(next, LinkOption.NOFOLLOW_LINKS)) {
                    throw new IllegalArgumentException(
                            field + ": \"" + printable(subPath) + "\" does not exist in the image");
                }
                if (!todo.isEmpty() && !Files.isDirectory(next, LinkOption.NOFOLLOW_LINKS)) {
                    throw new IllegalArgumentException(
                            field + ": \"" + printable(subPath) + "\" passes through a file that is not a directory");
                }
                current = next;
                continue;
            }
            if (++links > MAX_LINKS) {
                throw new IllegalArgumentException(
                        field + ": \"" + printable(subPath) + "\" follows too many symbolic links");
            }
            String target = Files.readSymbolicLink(next).toString();
            if (target.startsWith("/")) {
                current = root;
            }
            String[] parts = target.split("/");
            for (int i = parts.length - 1; i >= 0; i--) {
                todo.addFirst(parts[i]);
            }
        }
        return current;
    }

    private static String printable(String s) {
        return s.replace("\0", "\\0");
    }
}
