package dev.jcri.sandbox.cgroup;

import java.io.IOException;

/** systemd could not be reached over D-Bus, or refused a request: the RPC answers UNAVAILABLE. */
public final class SystemdUnavailableException extends IOException {
    public SystemdUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
