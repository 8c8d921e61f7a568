package dev.jcri.server.play;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * Follows one container's CRI log file and prints each line with a prefix, partial lines joined; {@link #finish}
 * prints what is left and stops.
 */
final class ContainerLogStream {
    private static final long POLL_MILLIS = 100;

    private final Path file;
    private final String prefix;
    private final PrintStream out;
    private final Thread thread;
    private volatile boolean finishing;

    private ContainerLogStream(Path file, String prefix, PrintStream out) {
        this.file = file;
        this.prefix = prefix;
        this.out = out;
        this.thread = Thread.ofVirtual().name("log " + prefix).unstarted(this::run);
    }

    static ContainerLogStream start(Path file, String prefix, PrintStream out) {
        ContainerLogStream stream = new ContainerLogStream(file, prefix, out);
        stream.thread.start();
        return stream;
    }

    /** Prints what the file still holds and ends. */
    void finish() throws InterruptedException {
        finishing = true;
        thread.join();
    }

    private void run() {
        try {
            InputStream in = null;
            while (in == null) {
                try {
                    in = Files.newInputStream(file);
                } catch (NoSuchFileException e) {
                    if (finishing) {
                        return;
                    }
                    Thread.sleep(POLL_MILLIS);
                }
            }
            try (InputStream log = in) {
                StringBuilder line = new StringBuilder();
                StringBuilder partial = new StringBuilder();
                byte[] buffer = new byte[8192];
                while (true) {
                    // finishing is read before the read, so a final read after it is set drains the file.
                    boolean last = finishing;
                    int n = log.read(buffer);
                    if (n > 0) {
                        String chunk = new String(buffer, 0, n, StandardCharsets.UTF_8);
                        for (char c : chunk.toCharArray()) {
                            if (c == '\n') {
                                CriLogLine parsed = CriLogLine.parse(line.toString());
                                partial.append(parsed.text());
                                if (!parsed.partial()) {
                                    out.println(prefix + partial);
                                    partial.setLength(0);
                                }
                                line.setLength(0);
                            } else {
                                line.append(c);
                            }
                        }
                        continue;
                    }
                    if (last) {
                        return;
                    }
                    Thread.sleep(POLL_MILLIS);
                }
            }
        } catch (IOException e) {
            out.println(prefix + "(log " + file + ": " + e.getMessage() + ")");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
