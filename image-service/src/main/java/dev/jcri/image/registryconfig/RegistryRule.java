package dev.jcri.image.registryconfig;

import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

/**
 * One {@code [[registry]]} table: the namespace it governs and what applies there.
 *
 * @param location where the namespace really lives; null means "where the reference says" (only a wildcard
 *     prefix may leave it out, any other prefix defaults it to itself)
 * @param source the file that defined it, for error messages
 */
public record RegistryRule(
        RegistryPrefix prefix,
        String location,
        boolean insecure,
        boolean blocked,
        boolean mirrorByDigestOnly,
        List<Mirror> mirrors,
        Path source) {
    public RegistryRule {
        Objects.requireNonNull(prefix, "prefix");
        mirrors = List.copyOf(mirrors);
    }

    /** The mirrors that may serve a pull by digest ({@code true}) or by tag. */
    List<Mirror> mirrorsFor(boolean byDigest) {
        if (mirrorByDigestOnly && !byDigest) {
            return List.of();
        }
        return mirrors.stream().filter(m -> m.use().serves(byDigest)).toList();
    }
}
