package dev.jcri.image.distribution;

import dev.jcri.image.Digest;
import java.util.Map;
import java.util.Objects;

/**
 * An OCI content descriptor: what a manifest or index says about a blob it points to.
 *
 * @param platform null when the descriptor names none
 */
public record Descriptor(
        String mediaType, Digest digest, long size, Platform platform, Map<String, String> annotations) {
    public Descriptor {
        Objects.requireNonNull(mediaType, "mediaType");
        Objects.requireNonNull(digest, "digest");
        annotations = Map.copyOf(annotations);
    }
}
