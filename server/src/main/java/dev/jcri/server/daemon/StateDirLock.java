package dev.jcri.server.daemon;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * An exclusive lock on one of jcri's state directories, so two daemons never share a root or runroot.
 *
 * <p>The kernel drops the lock when the process dies, even by {@code kill -9}, so a stale lock file never blocks
 * a restart. The file keeps the holder's PID for the error message.
 */
public final class StateDirLock implements AutoCloseable {
    private final Path file;
    private final FileChannel channel;
    private final FileLock lock;

    private StateDirLock(Path file, FileChannel channel, FileLock lock) {
        this.file = file;
        this.channel = channel;
        this.lock = lock;
    }

    public static StateDirLock acquire(Path dir) throws IOException {
        Path file = dir.resolve("jcri.lock");
        FileChannel channel =
                FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
        FileLock lock;
        try {
            lock = channel.tryLock();
        } catch (IOException | RuntimeException e) {
            channel.close();
            throw e;
        }
        if (lock == null) {
            String holder = holderPid(channel);
            channel.close();
            throw new IOException(
                    "another jcri" + holder + " holds " + file + "; two daemons must not share a state directory");
        }
        channel.truncate(0);
        channel.write(ByteBuffer.wrap((ProcessHandle.current().pid() + "\n").getBytes(StandardCharsets.US_ASCII)), 0);
        return new StateDirLock(file, channel, lock);
    }

    private static String holderPid(FileChannel channel) {
        try {
            ByteBuffer buffer = ByteBuffer.allocate(32);
            channel.read(buffer, 0);
            String pid = new String(buffer.array(), 0, buffer.position(), StandardCharsets.US_ASCII).strip();
            return pid.isEmpty() ? "" : " (pid " + pid + ")";
        } catch (IOException e) {
            return "";
        }
    }

    public Path file() {
        return file;
    }

    @Override
    public void close() throws IOException {
        // The file stays: deleting it would let a newcomer lock a fresh inode while a waiter holds the old one.
        try {
            lock.release();
        } finally {
            channel.close();
        }
    }
}
