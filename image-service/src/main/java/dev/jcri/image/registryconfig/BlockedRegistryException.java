package dev.jcri.image.registryconfig;

import java.nio.file.Path;

/** A pull refused because registries.conf marks the matching registry {@code blocked}. */
public class BlockedRegistryException extends Exception {
    private final String registry;
    private final Path source;

    public BlockedRegistryException(String reference, String registry, String prefix, Path source) {
        super("pulling " + reference + " is refused: registry " + registry + " is blocked by [[registry]] prefix \""
                + prefix + "\" in " + source);
        this.registry = registry;
        this.source = source;
    }

    public String registry() {
        return registry;
    }

    /** The configuration file that blocks the registry. */
    public Path source() {
        return source;
    }
}
