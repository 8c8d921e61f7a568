package dev.jcri.sandbox.container;

import java.io.IOException;

/** A checkpoint outlived the caller's timeout: the runtime was killed, the container resumed, no archive made. */
public final class CheckpointTimeoutException extends IOException {
    public CheckpointTimeoutException(String message, Throwable cause) {
        super(message, cause);
    }
}
