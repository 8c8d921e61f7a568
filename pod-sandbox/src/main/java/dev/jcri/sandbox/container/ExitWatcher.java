package dev.jcri.sandbox.container;

import java.io.IOException;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchEvent;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.time.Instant;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Learns container exits from conmon's exit files ({@code <exitDir>/<container id>}, holding the exit code)
 * through inotify, so no container is polled. Files that appeared while jcri was down are read by
 * {@link #exitOf} during recovery.
 */
public final class ExitWatcher implements ExitFiles {
    private static final Logger log = LoggerFactory.getLogger(ExitWatcher.class);

    /** What an exit file says. */
    public record Exit(String containerId, int exitCode, Instant finishedAt) {}

    /** Told of every exit, on the watcher's thread; must not block long. */
    @FunctionalInterface
    public interface Listener {
        void exited(Exit exit);
    }

    private final Path exitDir;
    private final WatchService watcher;
    private final Thread thread;

    public ExitWatcher(Path exitDir, Listener listener) throws IOException {
        this.exitDir = exitDir;
        Files.createDirectories(exitDir);
        this.watcher = FileSystems.getDefault().newWatchService();
        exitDir.register(watcher, StandardWatchEventKinds.ENTRY_CREATE, StandardWatchEventKinds.ENTRY_MODIFY);
        this.thread = Thread.ofPlatform().daemon().name("exit-watcher").start(() -> loop(listener));
    }

    private void loop(Listener listener) {
        while (true) {
            WatchKey key;
            try {
                key = watcher.take();
            } catch (InterruptedException | ClosedWatchServiceException e) {
                return;
            }
            for (WatchEvent<?> event : key.pollEvents()) {
                if (event.kind() == StandardWatchEventKinds.OVERFLOW) {
                    // Events were lost: read every file; listeners ignore exits they already know.
                    readAll(listener);
                    continue;
                }
                Path name = (Path) event.context();
                exitOf(name.toString()).ifPresent(exit -> notify(listener, exit));
            }
            key.reset();
        }
    }

    private void readAll(Listener listener) {
        try (DirectoryStream<Path> files = Files.newDirectoryStream(exitDir)) {
            for (Path file : files) {
                exitOf(file.getFileName().toString()).ifPresent(exit -> notify(listener, exit));
            }
        } catch (IOException e) {
            log.error("cannot list exit dir path={} error=\"{}\"", exitDir, e.getMessage());
        }
    }

    private static void notify(Listener listener, Exit exit) {
        try {
            listener.exited(exit);
        } catch (RuntimeException e) {
            log.error("exit listener failed container={}", exit.containerId(), e);
        }
    }

    /** The exit recorded for a container, if conmon wrote one (and finished writing it). */
    @Override
    public Optional<Exit> exitOf(String containerId) {
        // conmon writes "<id>.XXXXXX" and renames it into place: only the renamed file is an exit.
        if (containerId.indexOf('.') >= 0) {
            return Optional.empty();
        }
        Path file = exitDir.resolve(containerId);
        try {
            String text = Files.readString(file).strip();
            if (text.isEmpty()) {
                return Optional.empty();
            }
            Instant finished = Files.getLastModifiedTime(file).toInstant();
            return Optional.of(new Exit(containerId, Integer.parseInt(text), finished));
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException | NumberFormatException e) {
            log.warn("unreadable exit file path={} error=\"{}\"", file, e.getMessage());
            return Optional.empty();
        }
    }

    @Override
    public void forget(String containerId) throws IOException {
        Files.deleteIfExists(exitDir.resolve(containerId));
    }

    @Override
    public void close() throws IOException {
        watcher.close();
        thread.interrupt();
    }
}
