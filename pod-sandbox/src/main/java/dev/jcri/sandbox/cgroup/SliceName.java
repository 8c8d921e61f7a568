package dev.jcri.sandbox.cgroup;

import java.util.regex.Pattern;

/**
 * systemd slice unit names: {@code a-b-c.slice} is a child of {@code a-b.slice}, a child of {@code a.slice}, and
 * lives in the cgroup {@code /a.slice/a-b.slice/a-b-c.slice}.
 */
public final class SliceName {
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9:_.\\\\-]+\\.slice");

    private SliceName() {}

    /** Whether {@code name} is a slice unit name systemd accepts ({@code -.slice}, the root, is not one for pods). */
    public static boolean isValid(String name) {
        if (!NAME.matcher(name).matches()) {
            return false;
        }
        String stem = name.substring(0, name.length() - ".slice".length());
        return !stem.isEmpty() && !stem.startsWith("-") && !stem.endsWith("-") && !stem.contains("--");
    }

    /** The slice's cgroup path from the hierarchy's root. */
    public static String cgroupPath(String name) {
        if (!isValid(name)) {
            throw new IllegalArgumentException("\"" + name + "\" is not a systemd slice name");
        }
        String stem = name.substring(0, name.length() - ".slice".length());
        StringBuilder path = new StringBuilder();
        int dash = -1;
        while ((dash = stem.indexOf('-', dash + 1)) >= 0) {
            path.append('/').append(stem, 0, dash).append(".slice");
        }
        return path.append('/').append(name).toString();
    }
}
