package dev.jcri.image.unpack;

import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;

/**
 * A tar entry name reduced to path components inside the layer, lexically: {@code ./a//b/} is [a, b],
 * {@code /etc/passwd} is [etc, passwd] (absolute names are relative to the layer, as Docker treats them),
 * {@code a/../b} is [b]. A {@code ..} that would climb above the layer root is refused.
 *
 * <p>No component is ever resolved on disk here; {@link LayerDirectory} walks them without following
 * symlinks.
 *
 * @param components empty for the layer root itself
 * @param name the name as the tar spells it, for messages
 */
record EntryPath(List<String> components, String name) {
    /**
     * The JDK encodes file names with sun.jnu.encoding; under a non-UTF-8 locale a non-ASCII name would be
     * written as '?' characters, silently changing the image.
     */
    private static final boolean UTF8_NAMES = Charset.forName(
                    System.getProperty("sun.jnu.encoding", "UTF-8"), StandardCharsets.US_ASCII)
            .equals(StandardCharsets.UTF_8);

    static EntryPath of(String name) throws InvalidLayerException {
        if (name.indexOf('\0') >= 0) {
            throw new UnsafeLayerException(name, "name contains a NUL byte");
        }
        if (!UTF8_NAMES && !name.chars().allMatch(c -> c < 0x80)) {
            throw new InvalidLayerException(
                    name,
                    "non-ASCII name, but the JVM's file name encoding (" + System.getProperty("sun.jnu.encoding")
                            + ") is not UTF-8; run jcri under a UTF-8 locale");
        }
        Deque<String> stack = new ArrayDeque<>();
        for (String component : name.split("/")) {
            switch (component) {
                case "", "." -> {}
                case ".." -> {
                    if (stack.isEmpty()) {
                        throw new UnsafeLayerException(name, "'..' climbs out of the layer directory");
                    }
                    stack.removeLast();
                }
                default -> stack.addLast(component);
            }
        }
        return new EntryPath(List.copyOf(stack), name);
    }

    boolean isRoot() {
        return components.isEmpty();
    }

    String fileName() {
        return components.getLast();
    }

    List<String> parentComponents() {
        return components.subList(0, components.size() - 1);
    }

    /** The same place spelled relative to the layer root: {@code etc/passwd}. */
    String relative() {
        return String.join("/", components);
    }
}
