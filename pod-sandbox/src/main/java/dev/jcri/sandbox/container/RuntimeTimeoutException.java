package dev.jcri.sandbox.container;

import java.io.IOException;

/** A runtime command outlived its time limit and was killed with its children. */
public final class RuntimeTimeoutException extends IOException {
    public RuntimeTimeoutException(String message) {
        super(message);
    }
}
