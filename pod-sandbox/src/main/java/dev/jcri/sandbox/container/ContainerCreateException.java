package dev.jcri.sandbox.container;

import java.io.IOException;

/** The OCI runtime refused to create a container; the message is the runtime's own. */
public final class ContainerCreateException extends IOException {
    public ContainerCreateException(String message) {
        super(message);
    }
}
