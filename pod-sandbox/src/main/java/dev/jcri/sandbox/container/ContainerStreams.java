package dev.jcri.sandbox.container;

import dev.jcri.sandbox.StateLayout;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * A running container's streams: ExecSync, Exec and Attach sessions, terminal resizes and log reopens (the last
 * two through conmon's control FIFO).
 */
final class ContainerStreams {
    private static final int LOG_REOPEN_POLLS = 200;
    private static final long LOG_REOPEN_POLL_MILLIS = 10;

    private final ContainerTable table;
    private final ContainerExits exits;
    private final ContainerMonitor monitor;

    ContainerStreams(ContainerTable table, ContainerExits exits, ContainerMonitor monitor) {
        this.table = table;
        this.exits = exits;
        this.monitor = monitor;
    }

    /** Runs a command in a running container and returns its output and exit code. */
    SyncExec.Result execSync(String idOrPrefix, List<String> command, long timeoutSeconds)
            throws IOException, InterruptedException {
        ContainerRecord record = exits.requireRunning(idOrPrefix);
        return SyncExec.run(table.runtime(record.runtimeHandler()), table.paths(record.id()), command, timeoutSeconds);
    }

    /** Starts a streamed exec in a running container; the caller owns the returned process and closes it. */
    ExecProcess exec(String idOrPrefix, List<String> command, boolean tty) throws IOException {
        ContainerRecord record = exits.requireRunning(idOrPrefix);
        return ExecProcess.start(table.runtime(record.runtimeHandler()), table.paths(record.id()), command, tty);
    }

    /** Connects to the running container's own stdio through conmon. */
    ConmonAttach attach(String idOrPrefix) throws IOException {
        ContainerRecord record = exits.requireRunning(idOrPrefix);
        return ConmonAttach.connect(table.paths(record.id()).attachSocket());
    }

    /** Resizes a running container's terminal; a container without one has nothing to resize. */
    void resizeTerminal(String idOrPrefix, int columns, int rows) throws IOException {
        ContainerRecord record = exits.requireRunning(idOrPrefix);
        if (record.spec().tty() && columns > 0 && rows > 0) {
            monitor.resizeTerminal(table.paths(record.id()), rows, columns);
        }
    }

    /**
     * Makes conmon reopen the container's log file after kubelet rotated it. The CRI: for a container that is
     * not running this is an error, and no new file is created.
     */
    void reopenLog(String idOrPrefix) throws IOException, InterruptedException {
        ContainerRecord record = table.require(idOrPrefix);
        if (record.state() != ContainerState.RUNNING
                || exits.exitOf(record.id()).isPresent()) {
            throw new IllegalStateException("container " + record.id() + " is not running; its log is not reopened");
        }
        StateLayout.ContainerPaths paths = table.paths(record.id());
        monitor.reopenLog(paths);
        Path log = Path.of(record.logPath());
        for (int i = 0; i < LOG_REOPEN_POLLS && !Files.exists(log); i++) {
            Thread.sleep(LOG_REOPEN_POLL_MILLIS);
        }
        if (!Files.exists(log)) {
            throw new IOException("conmon did not reopen " + log + " within 2 s");
        }
    }
}
