package dev.jcri.cni;

import java.io.IOException;

/** Pod networking failed: no usable config, a plugin failed, or the result cache could not be used. */
public class CniException extends IOException {
    public CniException(String message) {
        super(message);
    }

    public CniException(String message, Throwable cause) {
        super(message, cause);
    }
}
