package dev.jcri.sandbox.ns;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A short-lived process that owns a new user namespace and the namespaces created inside it, until jcri has
 * written the ID mappings and pinned them. The kernel refuses unshare(CLONE_NEWUSER) and setns into a user
 * namespace to a multithreaded process such as the JVM, so this one step needs a process of its own:
 * util-linux {@code unshare} creates the user namespace first and the others in the same call, which makes them
 * owned by it (a container's root then administers its pod's network, not the node's). The holder waits on its
 * stdin and exits when jcri closes it.
 */
public final class NamespaceHolder implements AutoCloseable {
    private static final long READY_TIMEOUT_SECONDS = 10;

    private final Process process;

    private NamespaceHolder(Process process) {
        this.process = process;
    }

    /**
     * Starts a holder of a new user namespace plus the namespaces of {@code kinds}; returns once they exist.
     * The namespace files are {@code /proc/<pid>/ns/*} until {@link #close}.
     */
    public static NamespaceHolder start(List<PinnedNamespaces.Kind> kinds) throws IOException, InterruptedException {
        List<String> command = new java.util.ArrayList<>(List.of("unshare", "--user"));
        for (PinnedNamespaces.Kind kind : kinds) {
            command.add(kind.unshareOption());
        }
        // "ready" is printed only after unshare(2) succeeded; read blocks until jcri closes stdin.
        command.addAll(List.of("--", "/bin/sh", "-c", "echo ready; read _"));
        Process process = new ProcessBuilder(command)
                .redirectError(ProcessBuilder.Redirect.PIPE)
                .start();
        NamespaceHolder holder = new NamespaceHolder(process);
        try {
            holder.awaitReady();
            return holder;
        } catch (IOException | InterruptedException | RuntimeException e) {
            holder.close();
            throw e;
        }
    }

    private void awaitReady() throws IOException, InterruptedException {
        CompletableFuture<String> line = CompletableFuture.supplyAsync(
                () -> {
                    try {
                        return new BufferedReader(
                                        new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))
                                .readLine();
                    } catch (IOException e) {
                        return null;
                    }
                },
                Thread::startVirtualThread);
        String ready;
        try {
            ready = line.get(READY_TIMEOUT_SECONDS, TimeUnit.SECONDS);
        } catch (TimeoutException e) {
            throw new IOException(
                    "creating a user namespace: unshare did not answer in " + READY_TIMEOUT_SECONDS + " s");
        } catch (ExecutionException e) {
            throw new IOException("creating a user namespace failed", e.getCause());
        }
        if (!"ready".equals(ready)) {
            process.waitFor(READY_TIMEOUT_SECONDS, TimeUnit.SECONDS);
            String error = new String(process.getErrorStream().readNBytes(4096), StandardCharsets.UTF_8).strip();
            throw new IOException("creating a user namespace failed: " + (error.isEmpty() ? "unshare exited" : error));
        }
    }

    /** Writes the mappings; the kernel takes each map once, in a single write. */
    public void map(UserMappings mappings) throws IOException {
        Path proc = Path.of("/proc", Long.toString(process.pid()));
        Files.writeString(proc.resolve("uid_map"), mappings.uids().mapLine());
        Files.writeString(proc.resolve("gid_map"), mappings.gids().mapLine());
    }

    /** The holder's namespace file of type {@code file} ("user", "net", ...). */
    public Path namespaceFile(String file) {
        return Path.of("/proc", Long.toString(process.pid()), "ns", file);
    }

    /** Lets the holder exit (the pins keep the namespaces) and reaps it; kills it if it does not go. */
    @Override
    public void close() throws InterruptedException {
        try {
            process.getOutputStream().close();
        } catch (IOException ignored) {
            // Already gone: its stdin pipe is closed with it.
        }
        if (!process.waitFor(5, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            process.waitFor();
        }
        closeQuietly(process.getInputStream());
        closeQuietly(process.getErrorStream());
    }

    private static void closeQuietly(java.io.InputStream stream) {
        try {
            stream.close();
        } catch (IOException ignored) {
            // Only the pipe's descriptor is released here.
        }
    }
}
