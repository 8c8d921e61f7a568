package dev.jcri.sandbox.container;

import java.io.IOException;
import java.util.Optional;

/** The exit files conmon writes; {@link ExitWatcher} reads the node's and tells of new ones as they appear. */
public interface ExitFiles extends AutoCloseable {
    /** The exit recorded for a container, if its monitor wrote one. */
    Optional<ExitWatcher.Exit> exitOf(String containerId);

    void forget(String containerId) throws IOException;

    @Override
    void close() throws IOException;

    /** Starts watching, telling {@code listener} of every exit. */
    @FunctionalInterface
    interface Watch {
        ExitFiles start(ExitWatcher.Listener listener) throws IOException;
    }
}
