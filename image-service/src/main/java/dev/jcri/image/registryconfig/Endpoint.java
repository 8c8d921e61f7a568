package dev.jcri.image.registryconfig;

import dev.jcri.image.DockerHub;
import dev.jcri.image.ImageReference;
import java.util.Objects;

/**
 * One place to try pulling from.
 *
 * @param reference the image at this place: registry and repository after mirror or location rewriting, with
 *     the requested tag and digest
 * @param insecure plain HTTP or unverified TLS is allowed
 * @param mirror a mirror rather than the registry (or its configured location) itself
 */
public record Endpoint(ImageReference reference, boolean insecure, boolean mirror) {
    public Endpoint {
        Objects.requireNonNull(reference, "reference");
    }

    /** host[:port] to connect to; {@code docker.io} is served by {@code registry-1.docker.io}. */
    public String host() {
        return DockerHub.endpointHost(reference.registry());
    }

    /** The registry name, as credentials are keyed ({@code docker.io}, not its API host). */
    public String registry() {
        return reference.registry();
    }

    public String repository() {
        return reference.repository();
    }
}
