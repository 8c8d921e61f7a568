package dev.jcri.image.registryconfig;

import java.util.Objects;

/** One {@code [[registry.mirror]]}: a location tried before the registry itself. */
public record Mirror(String location, boolean insecure, MirrorUse use) {
    public Mirror {
        Objects.requireNonNull(location, "location");
        Objects.requireNonNull(use, "use");
    }
}
