package dev.jcri.server.play;

/** A manifest or a step of a play that cannot go on; the message names the object and, where one is at fault, the field. */
public final class PlayException extends Exception {
    public PlayException(String message) {
        super(message);
    }

    public PlayException(String message, Throwable cause) {
        super(message, cause);
    }

    /** {@code pod "ns/name": spec.containers[0].image: is required}. */
    static PlayException field(String object, String field, String problem) {
        return new PlayException(object + ": " + field + ": " + problem);
    }
}
