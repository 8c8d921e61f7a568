package dev.jcri.e2e.registry;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Assumptions;

/**
 * How a layer's tar is stored in the registry. gzip comes from the JDK; the JDK has no zstd, so {@link #ZSTD} runs
 * the {@code zstd} command line tool, and aborts the calling test (a JUnit assumption) when it is not installed.
 */
public enum Compression {
    NONE,
    GZIP,
    ZSTD;

    private static final List<Path> ZSTD_CANDIDATES =
            List.of(Path.of("/usr/bin/zstd"), Path.of("/bin/zstd"), Path.of("/usr/local/bin/zstd"));

    /** The {@code zstd} binary, or null when none is installed. */
    public static Path zstdBinary() {
        for (Path p : ZSTD_CANDIDATES) {
            if (Files.isExecutable(p)) {
                return p;
            }
        }
        String path = System.getenv("PATH");
        if (path != null) {
            for (String dir : path.split(File.pathSeparator)) {
                Path p = Path.of(dir, "zstd");
                if (!dir.isEmpty() && Files.isExecutable(p)) {
                    return p;
                }
            }
        }
        return null;
    }

    public static boolean zstdAvailable() {
        return zstdBinary() != null;
    }

    /** Aborts the current test when {@code zstd} is missing, saying how to get it. */
    public static void assumeZstd() {
        Assumptions.assumeTrue(
                zstdAvailable(),
                "zstd command not installed (apt-get install zstd): the JDK has no zstd, skipping the zstd layer fixture");
    }

    public byte[] compress(byte[] data) {
        return switch (this) {
            case NONE -> data;
            case GZIP -> gzip(data);
            case ZSTD -> zstd(data, false);
        };
    }

    public byte[] decompress(byte[] data) {
        return switch (this) {
            case NONE -> data;
            case GZIP -> gunzip(data);
            case ZSTD -> zstd(data, true);
        };
    }

    private static byte[] gzip(byte[] data) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(data.length / 2 + 64);
        try (GZIPOutputStream gz = new GZIPOutputStream(out, 64 * 1024)) {
            gz.write(data);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    private static byte[] gunzip(byte[] data) {
        try (GZIPInputStream in = new GZIPInputStream(new ByteArrayInputStream(data))) {
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Runs {@code zstd} over temp files (no pipes to pump, so no deadlock on large inputs). */
    private static byte[] zstd(byte[] data, boolean decompress) {
        assumeZstd();
        Path in = null;
        Path out = null;
        try {
            in = Files.createTempFile("jcri-zstd-in-", ".bin");
            out = Files.createTempFile("jcri-zstd-out-", ".bin");
            Files.write(in, data);
            Process p = new ProcessBuilder(
                            zstdBinary().toString(), decompress ? "-d" : "-3", "-q", "-f", "-c", in.toString())
                    .redirectOutput(out.toFile())
                    .redirectError(ProcessBuilder.Redirect.PIPE)
                    .start();
            p.getOutputStream().close();
            String err = new String(p.getErrorStream().readAllBytes());
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                p.waitFor();
                throw new IOException("zstd timed out");
            }
            if (p.exitValue() != 0) {
                throw new IOException("zstd exited " + p.exitValue() + ": " + err);
            }
            return Files.readAllBytes(out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        } finally {
            deleteQuietly(in);
            deleteQuietly(out);
        }
    }

    private static void deleteQuietly(Path p) {
        if (p != null) {
            try {
                Files.deleteIfExists(p);
            } catch (IOException ignored) {
                // best effort
            }
        }
    }
}
