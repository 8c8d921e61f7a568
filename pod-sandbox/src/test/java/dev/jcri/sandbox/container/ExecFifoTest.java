package dev.jcri.sandbox.container;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ExecFifoTest {
    @TempDir
    Path state;

    private Path fifo() throws Exception {
        Path fifo = state.resolve("exec.fifo");
        Process mkfifo = new ProcessBuilder("mkfifo", "-m", "0600", fifo.toString()).start();
        assertEquals(0, mkfifo.waitFor());
        return fifo;
    }

    @Test
    void withoutAFifoTheRuntimeStarts() throws Exception {
        assertFalse(ExecFifo.start(state));
    }

    @Test
    void aFifoNobodyReadsIsLeftToTheRuntime() throws Exception {
        // runc's init is the FIFO's writer, waiting for a reader; a dead init holds it no more.
        Path fifo = fifo();

        assertFalse(ExecFifo.start(state));
        assertTrue(Files.exists(fifo));
    }

    @Test
    void aReaderGetsOneByteAndTheFifoGoes() throws Exception {
        Path fifo = fifo();
        // Read-write does not wait for a writer, and holds the FIFO as its reader, as crun's init does.
        try (RandomAccessFile init = new RandomAccessFile(fifo.toFile(), "rw")) {
            assertTrue(ExecFifo.start(state));

            assertFalse(Files.exists(fifo), "crun says running once the FIFO is gone");
            assertEquals(0, init.read());
        }
    }
}
