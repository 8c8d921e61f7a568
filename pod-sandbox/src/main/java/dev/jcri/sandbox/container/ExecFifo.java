package dev.jcri.sandbox.container;

import dev.jcri.linux.ErrnoException;
import dev.jcri.linux.NativeFd;
import dev.jcri.linux.OpenFiles;
import dev.jcri.sandbox.CrashPoint;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Starts a container crun created, the way {@code crun start} does it, without starting crun (one process of the
 * ~40 ms StartContainer, 3-10 ms of it in the benchmark): crun's create leaves the container's init reading
 * {@code exec.fifo} in the container's state dir; start opens the FIFO for writing, writes one byte, upon which the
 * init execs the entrypoint, and unlinks it (crun then says "running"). crun 1.8 and its current source do just this
 * and, besides, only run poststart hooks and relay an sd_notify socket, neither of which jcri's bundles have.
 *
 * <p>Only a handler whose binary is named {@code crun} is started so ({@link OciRuntime#start}): a wrapper of another
 * name (a runtime that does more at start, or the tests' hanging runtime) keeps its own {@code start}. Any other
 * runtime, or a crun that changed its way, starts its containers itself: runc's init is the FIFO's writer and waits
 * for a reader, so no reader holds the FIFO (ENXIO), as when there is no FIFO or the init is gone; the runtime's
 * {@code start} then runs, and reports what is wrong, if anything.
 */
final class ExecFifo {
    private ExecFifo() {}

    /** Whether the container was started through its exec FIFO; false: the runtime's start must run. */
    static boolean start(Path stateDir) throws IOException {
        Path fifo = stateDir.resolve("exec.fifo");
        int fd;
        try {
            fd = OpenFiles.openFifoWriter(fifo.toString());
        } catch (ErrnoException e) {
            if (e.errno() == ErrnoException.ENXIO || e.errno() == ErrnoException.ENOENT) {
                return false;
            }
            throw e;
        }
        try (NativeFd writer = new NativeFd(fd, fifo.toString())) {
            // The byte before the unlink (crun unlinks first): jcri killed between the two leaves a started
            // container that crun still calls "created", which recovery undoes like any launch cut off before its
            // start; the other order would leave an init waiting forever on a FIFO nobody can open any more.
            writer.write(new byte[] {0}, 0, 1);
        }
        CrashPoint.reached(CrashPoint.Step.CONTAINER_EXEC_FIFO_WRITTEN);
        Files.deleteIfExists(fifo);
        return true;
    }
}
