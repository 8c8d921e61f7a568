package dev.jcri.server.config;

/** The configuration cannot be used; the message names the source (file or flag), the key and what was expected. */
public final class InvalidConfigException extends Exception {
    public InvalidConfigException(String message) {
        super(message);
    }

    public InvalidConfigException(String message, Throwable cause) {
        super(message, cause);
    }
}
