package dev.jcri.image.registryconfig;

/** Which pulls a mirror serves: registries.conf's {@code pull-from-mirror}. */
public enum MirrorUse {
    ALL("all"),
    /** A tag can point to different images on an out-of-sync mirror; a digest cannot. */
    DIGEST_ONLY("digest-only"),
    TAG_ONLY("tag-only");

    private final String configValue;

    MirrorUse(String configValue) {
        this.configValue = configValue;
    }

    public String configValue() {
        return configValue;
    }

    boolean serves(boolean byDigest) {
        return switch (this) {
            case ALL -> true;
            case DIGEST_ONLY -> byDigest;
            case TAG_ONLY -> !byDigest;
        };
    }

    /** Null for a value registries.conf does not define. */
    static MirrorUse fromConfig(String value) {
        if (value.isEmpty()) {
            return ALL;
        }
        for (MirrorUse use : values()) {
            if (use.configValue.equals(value)) {
                return use;
            }
        }
        return null;
    }
}
