package dev.jcri.linux;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FileMetadataTest {
    @TempDir
    Path dir;

    private static Object attr(Path p, String name) throws Exception {
        return Files.getAttribute(p, "unix:" + name, LinkOption.NOFOLLOW_LINKS);
    }

    @Test
    void chmodSetsSpecialBits() throws Exception {
        Path file = Files.createFile(dir.resolve("f"));
        FileMetadata.chmod(file, 04755);
        assertEquals(0104755, attr(file, "mode"));
        FileMetadata.chmod(file, 02711);
        assertEquals(0102711, attr(file, "mode"));
        Path sub = Files.createDirectory(dir.resolve("d"));
        FileMetadata.chmod(sub, 01777);
        assertEquals(041777, attr(sub, "mode"));
    }

    @Test
    void chmodRefusesToFollowSymlink() throws Exception {
        Path target = Files.createFile(dir.resolve("target"));
        FileMetadata.chmod(target, 0600);
        Path link = Files.createSymbolicLink(dir.resolve("link"), target);
        assertThrows(ErrnoException.class, () -> FileMetadata.chmod(link, 0777));
        assertEquals(0100600, attr(target, "mode"));
    }

    @Test
    void lchownChangesTheLinkNotItsTarget() throws Exception {
        Path target = Files.createFile(dir.resolve("target"));
        Path link = Files.createSymbolicLink(dir.resolve("link"), target);
        FileMetadata.lchown(link, 1234, 5678);
        assertEquals(1234, attr(link, "uid"));
        assertEquals(5678, attr(link, "gid"));
        assertEquals(0, attr(target, "uid"));
    }

    @Test
    void setTimesOnSymlinkLeavesTargetAlone() throws Exception {
        Path target = Files.createFile(dir.resolve("target"));
        Instant before = Files.getLastModifiedTime(target).toInstant();
        Path link = Files.createSymbolicLink(dir.resolve("link"), target);
        Instant when = Instant.parse("2001-02-03T04:05:06.123456789Z");
        FileMetadata.setTimes(link, when, when);
        assertEquals(FileTime.from(when), Files.getLastModifiedTime(link, LinkOption.NOFOLLOW_LINKS));
        assertEquals(FileTime.from(before), Files.getLastModifiedTime(target));
    }

    @Test
    void setTimesSetsAccessAndModification() throws Exception {
        Path file = Files.createFile(dir.resolve("f"));
        Instant atime = Instant.parse("1999-12-31T23:59:59Z");
        Instant mtime = Instant.parse("2020-01-01T00:00:00.5Z");
        FileMetadata.setTimes(file, atime, mtime);
        assertEquals(FileTime.from(mtime), Files.getLastModifiedTime(file));
        assertEquals(FileTime.from(atime), attr(file, "lastAccessTime"));
    }

    @Test
    void failureNamesPathAndErrno() {
        ErrnoException e = assertThrows(ErrnoException.class, () -> FileMetadata.lchown(dir.resolve("missing"), 1, 1));
        assertEquals(ErrnoException.ENOENT, e.errno());
        org.junit.jupiter.api.Assertions.assertTrue(e.getMessage().contains("missing"), e.getMessage());
    }
}
