package dev.jcri.e2e.registry;

import java.util.LinkedHashMap;
import java.util.Map;

/** An image platform as it appears in an image config and an index entry; {@code variant} may be null. */
public record Platform(String os, String architecture, String variant) {
    public static final Platform LINUX_AMD64 = new Platform("linux", "amd64", null);
    public static final Platform LINUX_ARM64 = new Platform("linux", "arm64", "v8");

    /** The {@code platform} object of an index entry. */
    public Map<String, Object> toJson() {
        Map<String, Object> p = new LinkedHashMap<>();
        p.put("architecture", architecture);
        p.put("os", os);
        if (variant != null) {
            p.put("variant", variant);
        }
        return p;
    }

    @Override
    public String toString() {
        return os + "/" + architecture + (variant == null ? "" : "/" + variant);
    }
}
