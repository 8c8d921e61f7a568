package dev.jcri.image.distribution;

import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * An OCI platform: os, GOARCH-style architecture and CPU variant.
 *
 * @param variant null when there is none
 */
public record Platform(String os, String architecture, String variant) {
    public Platform {
        Objects.requireNonNull(os, "os");
        Objects.requireNonNull(architecture, "architecture");
        if (variant != null && variant.isEmpty()) {
            variant = null;
        }
    }

    /** The platform this JVM runs on, in the spelling image indexes use. */
    public static Platform current() {
        return forJavaArch(System.getProperty("os.arch"));
    }

    /** Maps Java's {@code os.arch} to Go's GOARCH (what images are labelled with) on Linux. */
    static Platform forJavaArch(String javaArch) {
        String arch = javaArch.toLowerCase(Locale.ROOT);
        return switch (arch) {
            case "amd64", "x86_64" -> new Platform("linux", "amd64", null);
            case "aarch64", "arm64" -> new Platform("linux", "arm64", "v8");
            // The JVM does not tell ARMv6 from ARMv7; v7 is what 32-bit ARM boards run nowadays.
            case "arm", "arm32" -> new Platform("linux", "arm", "v7");
            case "x86", "i386", "i486", "i586", "i686" -> new Platform("linux", "386", null);
            case "loongarch64" -> new Platform("linux", "loong64", null);
            case "mips64el" -> new Platform("linux", "mips64le", null);
            case "mipsel" -> new Platform("linux", "mipsle", null);
            default -> new Platform("linux", arch, null);
        };
    }

    /**
     * The canonical spelling: images carry aliases ({@code x86_64}, {@code aarch64}, {@code armhf}) and
     * spell the same variant several ways ({@code 8}, {@code v8}, none at all for arm64).
     */
    public Platform normalized() {
        String o = os.toLowerCase(Locale.ROOT);
        String a = architecture.toLowerCase(Locale.ROOT);
        String v = variant == null ? null : variant.toLowerCase(Locale.ROOT);
        return switch (a) {
            case "x86_64", "x86-64", "amd64" -> new Platform(o, "amd64", "v1".equals(v) ? null : v);
            case "aarch64", "arm64" ->
                new Platform(
                        o,
                        "arm64",
                        switch (v == null ? "" : v) {
                            case "", "8", "v8", "v8.0" -> "v8";
                            case "9", "9.0", "v9.0" -> "v9";
                            default -> v;
                        });
            case "armhf" -> new Platform(o, "arm", "v7");
            case "armel" -> new Platform(o, "arm", "v6");
            case "arm" ->
                new Platform(
                        o,
                        "arm",
                        switch (v == null ? "" : v) {
                            case "", "7" -> "v7";
                            case "5", "6", "8" -> "v" + v;
                            default -> v;
                        });
            case "i386", "i686" -> new Platform(o, "386", null);
            default -> new Platform(o, a, v);
        };
    }

    /**
     * Variants this (normalized) platform can run, best first: a 32-bit ARMv7 CPU also runs v6 and v5 code.
     * Other architectures run only their own variant.
     */
    List<String> runnableVariants() {
        List<String> armLadder = List.of("v8", "v7", "v6", "v5");
        int step = architecture.equals("arm") && variant != null ? armLadder.indexOf(variant) : -1;
        if (step >= 0) {
            return armLadder.subList(step, armLadder.size());
        }
        return Collections.singletonList(variant);
    }

    @Override
    public String toString() {
        return os + "/" + architecture + (variant == null ? "" : "/" + variant);
    }
}
