package dev.jcri.sandbox.container.spec;

/**
 * Checks a path inside the container given by the CRI: absolute, without {@code .} or {@code ..} components (a
 * destination that climbs is how mounts escape the rootfs), without NUL. Repeated and trailing slashes are
 * harmless and are dropped, so that {@code /data/} and {@code /data} compare equal.
 */
final class ContainerPath {
    private ContainerPath() {}

    /** The cleaned path. @param field the CRI field, for the message, e.g. {@code mounts[2].container_path} */
    static String clean(String path, String field) {
        if (!path.startsWith("/")) {
            throw new IllegalArgumentException(field + ": \"" + path + "\" is not an absolute path");
        }
        if (path.indexOf('\0') >= 0) {
            throw new IllegalArgumentException(field + ": \"" + path.replace("\0", "\\0") + "\" holds a NUL");
        }
        StringBuilder out = new StringBuilder();
        for (String component : path.split("/")) {
            if (component.isEmpty()) {
                continue;
            }
            if (component.equals(".") || component.equals("..")) {
                throw new IllegalArgumentException(
                        field + ": \"" + path + "\" is not clean (it has a \"" + component + "\" component)");
            }
            out.append('/').append(component);
        }
        return out.isEmpty() ? "/" : out.toString();
    }

    /** Whether {@code path} is {@code parent} or below it; both cleaned. */
    static boolean isAtOrBelow(String path, String parent) {
        return path.equals(parent) || parent.equals("/") || path.startsWith(parent + "/");
    }
}
