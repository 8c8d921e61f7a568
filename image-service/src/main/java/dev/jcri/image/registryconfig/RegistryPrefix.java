package dev.jcri.image.registryconfig;

import java.util.Objects;

/**
 * The {@code prefix} of a {@code [[registry]]} table and how it matches a normalized reference string.
 *
 * <p>A plain prefix matches at a component boundary: {@code example.com/foo} matches
 * {@code example.com/foo/bar}, {@code example.com/foo:tag} and {@code example.com/foo@sha256:...} but not
 * {@code example.com/foobar}. A ':' after a bare host is a port, not a boundary: {@code example.com} does not
 * match {@code example.com:5000/x} (containers/image matches it, calling that unintended).
 *
 * <p>{@code *.example.com} matches any subdomain depth ({@code a.b.example.com}), on any port, and nothing
 * below the host; it is valid only as a whole host.
 */
record RegistryPrefix(String value) {
    RegistryPrefix {
        Objects.requireNonNull(value, "value");
    }

    boolean isWildcard() {
        return value.startsWith("*.");
    }

    /** How many leading characters of {@code reference} this prefix covers, or -1 when it does not match. */
    int matchedLength(String reference) {
        if (isWildcard()) {
            int slash = reference.indexOf('/');
            String host = slash < 0 ? reference : reference.substring(0, slash);
            int colon = host.lastIndexOf(':');
            String hostname = colon < 0 || host.endsWith("]") ? host : host.substring(0, colon);
            String suffix = value.substring(1);
            // The whole host[:port] is the matched part, so a location replaces the port too.
            return hostname.length() > suffix.length() && hostname.endsWith(suffix) ? host.length() : -1;
        }
        if (!reference.startsWith(value)) {
            return -1;
        }
        if (reference.length() == value.length()) {
            return value.length();
        }
        return switch (reference.charAt(value.length())) {
            case '/', '@' -> value.length();
            case ':' -> value.indexOf('/') >= 0 ? value.length() : -1;
            default -> -1;
        };
    }

    /** {@code reference} with its matched part replaced by {@code location}; null location keeps it as is. */
    String rewrite(String reference, String location) {
        int length = matchedLength(reference);
        if (length < 0) {
            throw new IllegalArgumentException(reference + " does not match prefix " + value);
        }
        return location == null ? reference : location + reference.substring(length);
    }

    @Override
    public String toString() {
        return value;
    }
}
