package dev.jcri.image.distribution;

import java.io.IOException;

/** A registry refused or failed a request; the message says what happened, for which registry and repository. */
public final class RegistryException extends IOException {
    /** What went wrong, so callers can map it (to a gRPC code, a metric label) without parsing the message. */
    public enum Kind {
        UNAUTHORIZED,
        DENIED,
        NOT_FOUND,
        RATE_LIMITED,
        UNAVAILABLE,
        BAD_CONTENT,
        PROTOCOL
    }

    private final Kind kind;

    public RegistryException(Kind kind, String message) {
        super(message);
        this.kind = kind;
    }

    public RegistryException(Kind kind, String message, Throwable cause) {
        super(message, cause);
        this.kind = kind;
    }

    public Kind kind() {
        return kind;
    }
}
