package dev.jcri.image;

/**
 * Docker Hub's naming quirks, kept together: the name users write differs from the host the API is served
 * from, and single-component repositories live in an implicit namespace.
 */
public final class DockerHub {
    /** The registry name that references carry after normalization. */
    public static final String DOMAIN = "docker.io";
    /** An older spelling that normalizes to {@link #DOMAIN}. */
    public static final String LEGACY_DOMAIN = "index.docker.io";
    /** docker.io itself does not serve the registry API; this host does. */
    public static final String API_HOST = "registry-1.docker.io";
    /** Namespace of the official images: {@code busybox} means {@code library/busybox}. */
    public static final String OFFICIAL_NAMESPACE = "library";

    private DockerHub() {}

    /** The host[:port] to send registry API requests to for a registry name. */
    public static String endpointHost(String registry) {
        return DOMAIN.equals(registry) || LEGACY_DOMAIN.equals(registry) ? API_HOST : registry;
    }
}
