package dev.jcri.image;

import java.util.Locale;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * A docker-style image reference, normalized the way Docker and the distribution reference grammar do:
 * {@code busybox} is {@code docker.io/library/busybox:latest}, {@code foo/bar} is
 * {@code docker.io/foo/bar:latest}, a reference with a digest and no tag gets no tag.
 *
 * <p>Equality compares the normalized form, so {@code busybox} equals {@code docker.io/library/busybox}; only
 * {@link #isShortName()} remembers how it was written.
 */
public final class ImageReference {
    public static final String DEFAULT_TAG = "latest";
    /** The distribution grammar's limit on registry + "/" + repository. */
    public static final int MAX_NAME_LENGTH = 255;

    private static final String DOMAIN_COMPONENT = "(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])";
    private static final Pattern DOMAIN = Pattern.compile(
            "(?:" + DOMAIN_COMPONENT + "(?:\\." + DOMAIN_COMPONENT + ")*|\\[[a-fA-F0-9:]+])(?::[0-9]+)?");
    private static final Pattern PATH_COMPONENT = Pattern.compile("[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*");
    private static final Pattern TAG = Pattern.compile("[\\w][\\w.-]{0,127}");
    private static final Pattern IMAGE_ID = Pattern.compile("[a-f0-9]{64}");

    private final String registry;
    private final String repository;
    private final String tag;
    private final Digest digest;
    /** The repository path as the user wrote it when no registry was given, else null. */
    private final String shortPath;

    private ImageReference(String registry, String repository, String tag, Digest digest, String shortPath) {
        this.registry = registry;
        this.repository = repository;
        this.tag = tag;
        this.digest = digest;
        this.shortPath = shortPath;
    }

    /**
     * Parses and normalizes a reference.
     *
     * @throws InvalidReferenceException naming the reference and the problem
     */
    public static ImageReference parse(String reference) {
        if (reference == null || reference.isEmpty()) {
            throw new InvalidReferenceException(String.valueOf(reference), "must not be empty");
        }
        if (IMAGE_ID.matcher(reference).matches()) {
            // Docker refuses these so an image ID is never mistaken for a repository name.
            throw new InvalidReferenceException(
                    reference, "a 64-character hex string is an image ID, not a repository name");
        }

        String rest = reference;
        Digest digest = null;
        int at = rest.indexOf('@');
        if (at >= 0) {
            digest = parseDigest(reference, rest.substring(at + 1));
            rest = rest.substring(0, at);
        }
        String tag = null;
        int colon = rest.lastIndexOf(':');
        if (colon > rest.lastIndexOf('/')) {
            tag = rest.substring(colon + 1);
            rest = rest.substring(0, colon);
            if (!TAG.matcher(tag).matches()) {
                throw new InvalidReferenceException(
                        reference,
                        "tag \"" + tag
                                + "\" must be 1-128 characters of letters, digits, '_', '.' or '-', not starting with"
                                + " '.' or '-'");
            }
        }
        if (rest.isEmpty()) {
            throw new InvalidReferenceException(reference, "repository name is missing");
        }

        String registry;
        String path;
        String shortPath = null;
        int slash = rest.indexOf('/');
        if (slash < 0 || !namesRegistry(rest.substring(0, slash))) {
            registry = DockerHub.DOMAIN;
            path = rest;
            shortPath = rest;
        } else {
            registry = rest.substring(0, slash);
            path = rest.substring(slash + 1);
        }
        if (registry.equals(DockerHub.LEGACY_DOMAIN)) {
            registry = DockerHub.DOMAIN;
        }
        if (registry.equals(DockerHub.DOMAIN) && path.indexOf('/') < 0) {
            path = DockerHub.OFFICIAL_NAMESPACE + "/" + path;
        }

        validateName(reference, registry, path);
        if (tag == null && digest == null) {
            tag = DEFAULT_TAG;
        }
        return new ImageReference(registry, path, tag, digest, shortPath);
    }

    /** Builds a qualified reference from parts, validating them as {@link #parse} would. */
    public static ImageReference of(String registry, String repository, String tag, Digest digest) {
        Objects.requireNonNull(registry, "registry");
        Objects.requireNonNull(repository, "repository");
        String written =
                registry + "/" + repository + (tag == null ? "" : ":" + tag) + (digest == null ? "" : "@" + digest);
        ImageReference parsed = parse(written);
        if (!parsed.registry.equals(registry) || !parsed.repository.equals(repository)) {
            throw new InvalidReferenceException(
                    written,
                    "registry \"" + registry + "\" and repository \"" + repository + "\" are not in normalized form");
        }
        return parsed;
    }

    /**
     * Docker's rule for the first component of a name: it names a registry only if it contains '.' or ':',
     * is "localhost", or has uppercase letters (which repository paths may not).
     */
    public static boolean namesRegistry(String first) {
        return first.indexOf('.') >= 0
                || first.indexOf(':') >= 0
                || first.equals("localhost")
                || !first.toLowerCase(Locale.ROOT).equals(first);
    }

    private static Digest parseDigest(String reference, String digest) {
        try {
            return Digest.parse(digest);
        } catch (IllegalArgumentException e) {
            throw new InvalidReferenceException(reference, e.getMessage());
        }
    }

    private static void validateName(String reference, String registry, String path) {
        if (!DOMAIN.matcher(registry).matches()) {
            throw new InvalidReferenceException(reference, "registry \"" + registry + "\" is not a valid host[:port]");
        }
        if (!path.toLowerCase(Locale.ROOT).equals(path)) {
            throw new InvalidReferenceException(reference, "repository name \"" + path + "\" must be lowercase");
        }
        for (String component : path.split("/", -1)) {
            if (!PATH_COMPONENT.matcher(component).matches()) {
                throw new InvalidReferenceException(
                        reference,
                        component.isEmpty()
                                ? "repository name \"" + path + "\" has an empty path component"
                                : "repository path component \"" + component
                                        + "\" must be lowercase letters and digits,"
                                        + " separated by '.', '_', '__' or dashes");
            }
        }
        int length = registry.length() + 1 + path.length();
        if (length > MAX_NAME_LENGTH) {
            throw new InvalidReferenceException(
                    reference, "name is " + length + " characters long, more than " + MAX_NAME_LENGTH);
        }
    }

    /** The registry as named in the reference (host[:port]), e.g. {@code docker.io}. */
    public String registry() {
        return registry;
    }

    /** The repository path without the registry, e.g. {@code library/busybox}. */
    public String repository() {
        return repository;
    }

    /** The tag, or null when the reference has only a digest. */
    public String tag() {
        return tag;
    }

    /** The digest, or null when the reference has none. */
    public Digest digest() {
        return digest;
    }

    /** Registry and repository: {@code docker.io/library/busybox}. */
    public String name() {
        return registry + "/" + repository;
    }

    /** True when the reference named no registry, so registries.conf's search list applies. */
    public boolean isShortName() {
        return shortPath != null;
    }

    /**
     * This short name placed in {@code searchRegistry}: {@code busybox} in {@code quay.io} is
     * {@code quay.io/busybox:latest}, in {@code docker.io} it is {@code docker.io/library/busybox:latest}.
     */
    public ImageReference inRegistry(String searchRegistry) {
        if (shortPath == null) {
            throw new IllegalStateException(this + " already names its registry");
        }
        String qualified = searchRegistry + "/" + shortPath + tagSuffix() + (digest == null ? "" : "@" + digest);
        ImageReference reference = parse(qualified);
        if (reference.isShortName()) {
            throw new InvalidReferenceException(qualified, "\"" + searchRegistry + "\" is not a registry name");
        }
        return reference;
    }

    private String tagSuffix() {
        return tag == null ? "" : ":" + tag;
    }

    @Override
    public String toString() {
        return name() + tagSuffix() + (digest == null ? "" : "@" + digest);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ImageReference other
                && registry.equals(other.registry)
                && repository.equals(other.repository)
                && Objects.equals(tag, other.tag)
                && Objects.equals(digest, other.digest);
    }

    @Override
    public int hashCode() {
        return Objects.hash(registry, repository, tag, digest);
    }
}
