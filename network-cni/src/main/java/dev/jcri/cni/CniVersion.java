package dev.jcri.cni;

import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** A CNI spec version ({@code cniVersion}), ordered numerically. */
public record CniVersion(int major, int minor, int patch) implements Comparable<CniVersion> {
    public static final CniVersion V0_3_0 = new CniVersion(0, 3, 0);
    public static final CniVersion V0_3_1 = new CniVersion(0, 3, 1);
    public static final CniVersion V0_4_0 = new CniVersion(0, 4, 0);
    public static final CniVersion V1_0_0 = new CniVersion(1, 0, 0);
    public static final CniVersion V1_1_0 = new CniVersion(1, 1, 0);

    /** Versions jcri implements fully. */
    public static final List<CniVersion> SUPPORTED = List.of(V0_4_0, V1_0_0, V1_1_0);
    /** Versions still found in older operator configs: accepted, but without CHECK and DEL's prevResult. */
    public static final List<CniVersion> LEGACY = List.of(V0_3_0, V0_3_1);

    private static final Pattern FORMAT = Pattern.compile("(\\d{1,4})\\.(\\d{1,4})\\.(\\d{1,4})");

    public static Optional<CniVersion> parse(String text) {
        if (text == null) {
            return Optional.empty();
        }
        Matcher m = FORMAT.matcher(text);
        if (!m.matches()) {
            return Optional.empty();
        }
        return Optional.of(new CniVersion(
                Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2)), Integer.parseInt(m.group(3))));
    }

    public boolean isSupported() {
        return SUPPORTED.contains(this);
    }

    public boolean isLegacy() {
        return LEGACY.contains(this);
    }

    /** CHECK, and a cached prevResult on DEL, came with 0.4.0. */
    public boolean hasCheck() {
        return compareTo(V0_4_0) >= 0;
    }

    /** STATUS came with 1.1.0; older plugins do not know the command. */
    public boolean hasStatus() {
        return compareTo(V1_1_0) >= 0;
    }

    @Override
    public int compareTo(CniVersion other) {
        int c = Integer.compare(major, other.major);
        if (c == 0) {
            c = Integer.compare(minor, other.minor);
        }
        return c != 0 ? c : Integer.compare(patch, other.patch);
    }

    @Override
    public String toString() {
        return major + "." + minor + "." + patch;
    }
}
