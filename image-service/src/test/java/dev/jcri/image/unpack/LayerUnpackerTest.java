package dev.jcri.image.unpack;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jcri.linux.DeviceNodes;
import dev.jcri.linux.ExtendedAttributes;
import dev.jcri.linux.SymbolicLinks;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import java.util.zip.GZIPOutputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LayerUnpackerTest {
    @TempDir
    Path root;

    Path layer;
    Path outside;
    Map<String, String> outsideBefore;

    @BeforeEach
    void setUp() throws IOException {
        layer = Files.createDirectory(root.resolve("layer"));
        outside = Files.createDirectory(root.resolve("outside"));
        Files.writeString(outside.resolve("sentinel"), "untouched");
        Files.createDirectory(outside.resolve("e"));
        Files.setLastModifiedTime(outside.resolve("e"), FileTime.from(Instant.parse("2010-01-01T00:00:00Z")));
        outsideBefore = snapshot(outside);
    }

    /** Whatever a test does, nothing outside the layer directory may change. */
    @AfterEach
    void nothingEscaped() throws IOException {
        try (Stream<Path> top = Files.list(root)) {
            assertEquals(
                    List.of("layer", "outside"),
                    top.map(p -> p.getFileName().toString()).sorted().toList());
        }
        assertEquals(outsideBefore, snapshot(outside));
    }

    /** Every path below {@code dir} with its type, mode, owner, link count, mtime, xattrs and content. */
    private static Map<String, String> snapshot(Path dir) throws IOException {
        Map<String, String> result = new TreeMap<>();
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path p : paths.toList()) {
                Map<String, Object> a =
                        Files.readAttributes(p, "unix:mode,uid,gid,nlink,lastModifiedTime", LinkOption.NOFOLLOW_LINKS);
                String content = Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS) ? Files.readString(p) : "";
                result.put(dir.relativize(p).toString(), a + " " + ExtendedAttributes.list(p) + " " + content);
            }
        }
        return result;
    }

    private UnpackSummary unpack(byte[] blob) throws IOException {
        return LayerUnpacker.unpack(new ByteArrayInputStream(blob), layer);
    }

    private <T extends Throwable> T rejects(Class<T> type, byte[] blob, String entry) {
        T e = assertThrows(type, () -> unpack(blob));
        assertTrue(e.getMessage().contains(entry), e.getMessage());
        return e;
    }

    private static Object attr(Path p, String name) throws IOException {
        return Files.getAttribute(p, "unix:" + name, LinkOption.NOFOLLOW_LINKS);
    }

    private static int mode(Path p) throws IOException {
        return (int) attr(p, "mode");
    }

    // ---- escapes ----

    @Test
    void dotDotEscapeIsRejected() {
        UnsafeLayerException e = rejects(
                UnsafeLayerException.class,
                new LayerTar().file("../escape", "x").plain(),
                "../escape");
        assertEquals("../escape", e.entry());
    }

    @Test
    void nestedDotDotEscapeIsRejected() {
        rejects(
                UnsafeLayerException.class,
                new LayerTar().dir("a").file("a/../../escape", "x").plain(),
                "a/../../escape");
        rejects(
                UnsafeLayerException.class,
                new LayerTar().file("./a/./../../outside/sentinel", "x").plain(),
                "outside/sentinel");
    }

    @Test
    void dotDotInsideTheLayerIsFine() throws Exception {
        unpack(new LayerTar().dir("a").file("a/../b", "x").plain());
        assertEquals("x", Files.readString(layer.resolve("b")));
    }

    @Test
    void absolutePathsAreContained() throws Exception {
        String hostPath = outside.resolve("pwned").toString();
        unpack(new LayerTar().file("/abs/path", "a").file(hostPath, "b").plain());
        assertEquals("a", Files.readString(layer.resolve("abs/path")));
        assertEquals("b", Files.readString(layer.resolve(hostPath.substring(1))));
        assertFalse(Files.exists(Path.of("/abs")));
    }

    @Test
    void symlinkedParentIsRejected() throws Exception {
        rejects(
                UnsafeLayerException.class,
                new LayerTar()
                        .symlink("a", outside.toString())
                        .file("a/pwned", "x")
                        .plain(),
                "a/pwned");
        assertFalse(Files.exists(outside.resolve("pwned")));
    }

    @Test
    void symlinkToDotDotIsRejectedAsParent() {
        rejects(
                UnsafeLayerException.class,
                new LayerTar().symlink("a", "..").file("a/escape", "x").plain(),
                "a/escape");
    }

    @Test
    void deeperSymlinkClimbingOutIsRejectedAsParent() {
        rejects(
                UnsafeLayerException.class,
                new LayerTar()
                        .dir("a")
                        .symlink("a/b", "../../outside")
                        .file("a/b/sentinel", "overwritten")
                        .plain(),
                "a/b/sentinel");
    }

    @Test
    void directoryBelowSymlinkIsRejected() {
        rejects(
                UnsafeLayerException.class,
                new LayerTar().symlink("a", outside.toString()).dir("a/sub").plain(),
                "a/sub");
    }

    @Test
    void symlinkedParentOfDeviceIsRejected() {
        rejects(
                UnsafeLayerException.class,
                new LayerTar()
                        .symlink("a", outside.toString())
                        .device("a/null", TarConstants.LF_CHR, 1, 3)
                        .plain(),
                "a/null");
    }

    @Test
    void hardlinkClimbingOutIsRejected() {
        rejects(
                UnsafeLayerException.class,
                new LayerTar().hardlink("passwd", "../../etc/passwd").plain(),
                "passwd");
    }

    @Test
    void absoluteHardlinkTargetIsLookedUpInsideTheLayer() throws Exception {
        long links = (int) attr(Path.of("/etc/passwd"), "nlink");
        InvalidLayerException e = rejects(
                InvalidLayerException.class,
                new LayerTar().hardlink("passwd", "/etc/passwd").plain(),
                "passwd");
        assertTrue(e.getMessage().contains("does not exist in the layer"), e.getMessage());
        assertEquals(links, (int) attr(Path.of("/etc/passwd"), "nlink"));
        assertFalse(Files.exists(layer.resolve("passwd"), LinkOption.NOFOLLOW_LINKS));
    }

    @Test
    void hardlinkThroughSymlinkIsRejected() throws Exception {
        rejects(
                UnsafeLayerException.class,
                new LayerTar()
                        .symlink("a", outside.toString())
                        .hardlink("x", "a/sentinel")
                        .plain(),
                "x");
        assertEquals(1, (int) attr(outside.resolve("sentinel"), "nlink"));
    }

    @Test
    void hardlinkToSymlinkLinksTheSymlinkItself() throws Exception {
        unpack(new LayerTar()
                .symlink("l", outside.resolve("sentinel").toString())
                .hardlink("h", "l")
                .plain());
        assertTrue(Files.isSymbolicLink(layer.resolve("h")));
        assertEquals(attr(layer.resolve("l"), "ino"), attr(layer.resolve("h"), "ino"));
        assertEquals(1, (int) attr(outside.resolve("sentinel"), "nlink"));
    }

    @Test
    void hardlinkToDirectoryIsRejected() {
        rejects(
                InvalidLayerException.class,
                new LayerTar().dir("d").hardlink("h", "d").plain(),
                "h");
    }

    @Test
    void whiteoutNamingParentIsRejected() {
        rejects(UnsafeLayerException.class, new LayerTar().file(".wh...", "").plain(), ".wh...");
        rejects(UnsafeLayerException.class, new LayerTar().file("a/.wh..", "").plain(), ".wh..");
        rejects(UnsafeLayerException.class, new LayerTar().file("../.wh.x", "").plain(), "../.wh.x");
        rejects(UnsafeLayerException.class, new LayerTar().file("a/.wh.", "").plain(), ".wh.");
    }

    @Test
    void whiteoutBelowSymlinkIsRejected() {
        rejects(
                UnsafeLayerException.class,
                new LayerTar()
                        .symlink("a", outside.toString())
                        .file("a/.wh.sentinel", "")
                        .plain(),
                "a/.wh.sentinel");
        rejects(
                UnsafeLayerException.class,
                new LayerTar()
                        .symlink("b", outside.toString())
                        .file("b/.wh..wh..opq", "")
                        .plain(),
                "b/.wh..wh..opq");
    }

    @Test
    void fileReplacingSymlinkDoesNotWriteThroughIt() throws Exception {
        unpack(new LayerTar()
                .symlink("f", outside.resolve("sentinel").toString())
                .file("f", "mine")
                .plain());
        assertTrue(Files.isRegularFile(layer.resolve("f"), LinkOption.NOFOLLOW_LINKS));
        assertEquals("mine", Files.readString(layer.resolve("f")));
    }

    @Test
    void fileReplacingHardlinkDoesNotWriteThroughIt() throws Exception {
        unpack(new LayerTar()
                .file("a", "original")
                .hardlink("b", "a")
                .file("b", "replaced")
                .plain());
        assertEquals("original", Files.readString(layer.resolve("a")));
        assertEquals("replaced", Files.readString(layer.resolve("b")));
        assertEquals(1, (int) attr(layer.resolve("a"), "nlink"));
    }

    @Test
    void directoryTimesAreNotSetThroughALaterSymlink() throws Exception {
        unpack(new LayerTar()
                .dir("d")
                .dir("d/e")
                .symlink("d", outside.toString())
                .plain());
        assertTrue(Files.isSymbolicLink(layer.resolve("d")));
        // nothingEscaped() checks outside/e kept its mtime.
    }

    @Test
    void metadataIsNeverAppliedThroughAFinalSymlink() throws Exception {
        // The symlink's own owner and times change; its target's do not (checked by nothingEscaped()).
        unpack(new LayerTar()
                .symlink("s", outside.resolve("sentinel").toString(), e -> {
                    e.setUserId(4321);
                    e.setGroupId(4321);
                })
                .plain());
        assertEquals(4321, attr(layer.resolve("s"), "uid"));
    }

    @Test
    void rootEntryMustBeADirectory() {
        rejects(
                UnsafeLayerException.class,
                new LayerTar().entryOfType(".", TarConstants.LF_SYMLINK).plain(),
                ".");
    }

    @Test
    void rootDirectoryEntryAppliesToLayerDir() throws Exception {
        unpack(new LayerTar().dir("./", e -> e.setMode(0750)).file("x", "1").plain());
        assertEquals(0750, mode(layer) & 07777);
        assertEquals(FileTime.from(LayerTar.DEFAULT_TIME), Files.getLastModifiedTime(layer));
    }

    @Test
    void overlayXattrsFromContentAreDropped() throws Exception {
        unpack(new LayerTar()
                .rawPax(Map.of(
                        "SCHILY.xattr.trusted.overlay.opaque",
                        "y".getBytes(),
                        "SCHILY.xattr.trusted.overlay.redirect",
                        "/x".getBytes()))
                .dir("d")
                .plain());
        assertEquals(List.of(), ExtendedAttributes.list(layer.resolve("d")));
    }

    @Test
    void unsupportedEntryTypeIsRejected() {
        rejects(
                InvalidLayerException.class,
                new LayerTar().entryOfType("vol", (byte) 'V').plain(),
                "vol");
    }

    // ---- preservation ----

    @Test
    void ownershipOfFilesDirectoriesAndSymlinks() throws Exception {
        unpack(new LayerTar()
                .dir("d", e -> {
                    e.setUserId(1234);
                    e.setGroupId(5678);
                })
                .file("d/f", "x", e -> {
                    e.setUserId(1234);
                    e.setGroupId(5678);
                })
                .symlink("d/l", "f", e -> {
                    e.setUserId(1234);
                    e.setGroupId(5678);
                })
                .file("big", "x", e -> {
                    e.setUserId(3_000_000_000L);
                    e.setGroupId(70_000);
                })
                .plain());
        for (String p : List.of("d", "d/f", "d/l")) {
            assertEquals(1234, attr(layer.resolve(p), "uid"), p);
            assertEquals(5678, attr(layer.resolve(p), "gid"), p);
        }
        assertEquals(Integer.toUnsignedString((int) 3_000_000_000L), Integer.toUnsignedString((int)
                attr(layer.resolve("big"), "uid")));
        assertEquals(70_000, attr(layer.resolve("big"), "gid"));
    }

    @Test
    void specialModeBits() throws Exception {
        unpack(new LayerTar()
                .file("suid", "x", e -> {
                    e.setMode(04755);
                    e.setUserId(1000);
                })
                .file("sgid", "x", e -> {
                    e.setMode(02755);
                    e.setGroupId(1000);
                })
                .dir("tmp", e -> e.setMode(01777))
                .dir("shared", e -> e.setMode(02775))
                .file("private", "x", e -> e.setMode(0600))
                .file("typed", "x", e -> e.setMode(0100750))
                .plain());
        assertEquals(0104755, mode(layer.resolve("suid")));
        assertEquals(0102755, mode(layer.resolve("sgid")));
        assertEquals(041777, mode(layer.resolve("tmp")));
        assertEquals(042775, mode(layer.resolve("shared")));
        assertEquals(0100600, mode(layer.resolve("private")));
        assertEquals(0100750, mode(layer.resolve("typed")));
    }

    @Test
    void modificationTimesOfFilesDirectoriesAndSymlinks() throws Exception {
        Instant fileTime = Instant.parse("2001-01-01T01:01:01Z");
        Instant dirTime = Instant.parse("2002-02-02T02:02:02Z");
        Instant linkTime = Instant.parse("2003-03-03T03:03:03Z");
        unpack(new LayerTar()
                .dir("d", e -> e.setModTime(FileTime.from(dirTime)))
                .file("d/f", "x", e -> e.setModTime(FileTime.from(fileTime)))
                .symlink("d/l", "f", e -> e.setModTime(FileTime.from(linkTime)))
                .file("d/.wh.gone", "")
                .plain());
        assertEquals(FileTime.from(fileTime), Files.getLastModifiedTime(layer.resolve("d/f")));
        assertEquals(
                FileTime.from(linkTime), Files.getLastModifiedTime(layer.resolve("d/l"), LinkOption.NOFOLLOW_LINKS));
        assertEquals(FileTime.from(dirTime), Files.getLastModifiedTime(layer.resolve("d")));
    }

    @Test
    void subSecondTimesFromPaxHeaders() throws Exception {
        Instant precise = Instant.parse("2021-06-07T08:09:10.1234567Z");
        unpack(new LayerTar()
                .file("f", "x", e -> e.setLastModifiedTime(FileTime.from(precise)))
                .plain());
        assertEquals(FileTime.from(precise), Files.getLastModifiedTime(layer.resolve("f")));
    }

    @Test
    void xattrsIncludingBinaryOnes() throws Exception {
        // A file capability blob (cap_net_bind_service + cap_setuid bits) holds bytes that are not UTF-8.
        byte[] capability = {
            0x01,
            0x00,
            0x00,
            0x02,
            (byte) 0x80,
            0x04,
            0x00,
            0x00,
            0x00,
            0x00,
            0x00,
            0x00,
            (byte) 0xff,
            (byte) 0xfe,
            0x00,
            0x00,
            0x00,
            0x00,
            0x00,
            0x00
        };
        Map<String, byte[]> records = new LinkedHashMap<>();
        records.put("SCHILY.xattr.security.capability", capability);
        records.put("SCHILY.xattr.user.raw", "\u00e9t\u00e9".getBytes(StandardCharsets.UTF_8));
        unpack(new LayerTar()
                .file("plain", "x", e -> e.addPaxHeader("SCHILY.xattr.user.foo", "bar"))
                .rawPax(records)
                .file("ping", "x", e -> {
                    e.setMode(0755);
                    e.setUserId(0);
                })
                .dir("d", e -> e.addPaxHeader("SCHILY.xattr.trusted.mark", "dir"))
                .plain());
        assertArrayEquals(
                "bar".getBytes(),
                ExtendedAttributes.get(layer.resolve("plain"), "user.foo").orElseThrow());
        assertArrayEquals(
                capability,
                ExtendedAttributes.get(layer.resolve("ping"), "security.capability")
                        .orElseThrow());
        assertArrayEquals(
                "\u00e9t\u00e9".getBytes(StandardCharsets.UTF_8),
                ExtendedAttributes.get(layer.resolve("ping"), "user.raw").orElseThrow());
        assertArrayEquals(
                "dir".getBytes(),
                ExtendedAttributes.get(layer.resolve("d"), "trusted.mark").orElseThrow());
        assertTrue(ExtendedAttributes.get(layer.resolve("plain"), "security.capability")
                .isEmpty());
    }

    @Test
    void globalPaxXattrsApplyToLaterEntries() throws Exception {
        unpack(new LayerTar()
                .file("before", "x")
                .globalPax(Map.of("SCHILY.xattr.user.global", "g1", "comment", "commit 123"))
                .file("first", "x")
                .rawPax(Map.of("SCHILY.xattr.user.local", new byte[] {2}))
                .file("second", "x")
                .plain());
        assertTrue(
                ExtendedAttributes.get(layer.resolve("before"), "user.global").isEmpty());
        for (String name : List.of("first", "second")) {
            assertArrayEquals(
                    "g1".getBytes(),
                    ExtendedAttributes.get(layer.resolve(name), "user.global").orElseThrow(),
                    name);
        }
        assertArrayEquals(
                new byte[] {2},
                ExtendedAttributes.get(layer.resolve("second"), "user.local").orElseThrow());
        assertTrue(ExtendedAttributes.get(layer.resolve("first"), "user.local").isEmpty());
    }

    @Test
    void capabilitySurvivesOwnershipChange() throws Exception {
        byte[] capability = {0x01, 0x00, 0x00, 0x02, 0x00, 0x04, 0x00, 0x00, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};
        unpack(new LayerTar()
                .rawPax(Map.of("SCHILY.xattr.security.capability", capability))
                .file("bin", "x", e -> {
                    e.setUserId(1000);
                    e.setMode(04755);
                })
                .plain());
        assertArrayEquals(
                capability,
                ExtendedAttributes.get(layer.resolve("bin"), "security.capability")
                        .orElseThrow());
        assertEquals(0104755, mode(layer.resolve("bin")));
    }

    @Test
    void devicesAndFifos() throws Exception {
        UnpackSummary summary = unpack(new LayerTar()
                .device("dev/null", TarConstants.LF_CHR, 1, 3)
                .device("dev/loop0", TarConstants.LF_BLK, 7, 0)
                .device("run/fifo", TarConstants.LF_FIFO, 0, 0)
                .plain());
        Path nul = layer.resolve("dev/null");
        assertEquals(DeviceNodes.S_IFCHR | 0666, mode(nul));
        assertEquals(1, DeviceNodes.major((long) attr(nul, "rdev")));
        assertEquals(3, DeviceNodes.minor((long) attr(nul, "rdev")));
        assertEquals(DeviceNodes.S_IFBLK | 0666, mode(layer.resolve("dev/loop0")));
        assertEquals(7, DeviceNodes.major((long) attr(layer.resolve("dev/loop0"), "rdev")));
        assertEquals(DeviceNodes.S_IFIFO | 0666, mode(layer.resolve("run/fifo")));
        assertEquals(3, summary.devices());
    }

    @Test
    void hardlinksShareTheInode() throws Exception {
        UnpackSummary summary = unpack(new LayerTar()
                .dir("bin")
                .file("bin/busybox", "elf", e -> e.setMode(0755))
                .hardlink("bin/sh", "bin/busybox")
                .hardlink("/bin/ls", "/bin/busybox")
                .plain());
        Object inode = attr(layer.resolve("bin/busybox"), "ino");
        assertEquals(inode, attr(layer.resolve("bin/sh"), "ino"));
        assertEquals(inode, attr(layer.resolve("bin/ls"), "ino"));
        assertEquals(3, (int) attr(layer.resolve("bin/busybox"), "nlink"));
        assertEquals(2, summary.hardlinks());
    }

    @Test
    void symlinkTargetsAreKeptVerbatim() throws Exception {
        unpack(new LayerTar()
                .symlink("rel", "../a//b/")
                .symlink("abs", "/nonexistent/passwd")
                .symlink("dots", "./x/../y")
                .plain());
        assertEquals("../a//b/", SymbolicLinks.read(layer.resolve("rel")));
        assertEquals("/nonexistent/passwd", SymbolicLinks.read(layer.resolve("abs")));
        assertEquals("./x/../y", SymbolicLinks.read(layer.resolve("dots")));
    }

    @Test
    void whiteoutBecomesCharacterDeviceZeroZero() throws Exception {
        UnpackSummary summary = unpack(new LayerTar()
                .dir("etc")
                .file("etc/.wh.motd", "")
                .file(".wh.toplevel", "")
                .plain());
        for (Path whiteout : List.of(layer.resolve("etc/motd"), layer.resolve("toplevel"))) {
            assertEquals(DeviceNodes.S_IFCHR, mode(whiteout) & 0170000);
            assertEquals(0L, attr(whiteout, "rdev"));
        }
        assertFalse(Files.exists(layer.resolve("etc/.wh.motd"), LinkOption.NOFOLLOW_LINKS));
        assertEquals(2, summary.whiteouts());
    }

    @Test
    void whiteoutReplacesEarlierEntryOfTheSameLayer() throws Exception {
        unpack(new LayerTar().dir("d").file("d/f", "x").file(".wh.d", "").plain());
        assertEquals(DeviceNodes.S_IFCHR, mode(layer.resolve("d")) & 0170000);
    }

    @Test
    void opaqueDirectory() throws Exception {
        UnpackSummary summary = unpack(new LayerTar()
                .dir("var")
                .dir("var/cache")
                .file("var/cache/.wh..wh..opq", "")
                .file("var/cache/new", "x")
                .file("implicit/.wh..wh..opq", "")
                .plain());
        assertArrayEquals(
                "y".getBytes(),
                ExtendedAttributes.get(layer.resolve("var/cache"), "trusted.overlay.opaque")
                        .orElseThrow());
        assertArrayEquals(
                "y".getBytes(),
                ExtendedAttributes.get(layer.resolve("implicit"), "trusted.overlay.opaque")
                        .orElseThrow());
        assertTrue(Files.exists(layer.resolve("var/cache/new")));
        assertFalse(Files.exists(layer.resolve("var/cache/.wh..wh..opq")));
        assertEquals(2, summary.opaqueDirectories());
    }

    @Test
    void aufsMetadataIsSkipped() throws Exception {
        unpack(new LayerTar().dir(".wh..wh.plnk").file(".wh..wh.aufs", "").plain());
        try (Stream<Path> entries = Files.list(layer)) {
            assertEquals(0, entries.count());
        }
    }

    @Test
    void laterEntriesReplaceEarlierOnes() throws Exception {
        unpack(new LayerTar()
                .file("a", "file")
                .dir("a")
                .file("a/inner", "1")
                .dir("b")
                .file("b/inner", "1")
                .file("b", "now a file")
                .dir("c", e -> e.setMode(0700))
                .file("c/kept", "1")
                .dir("c", e -> e.setMode(0755))
                .file("d", "old")
                .symlink("d", "target")
                .file("e", "old")
                .file("e", "new")
                .plain());
        assertTrue(Files.isDirectory(layer.resolve("a"), LinkOption.NOFOLLOW_LINKS));
        assertEquals("1", Files.readString(layer.resolve("a/inner")));
        assertEquals("now a file", Files.readString(layer.resolve("b")));
        assertEquals("1", Files.readString(layer.resolve("c/kept")));
        assertEquals(040755, mode(layer.resolve("c")));
        assertEquals("target", SymbolicLinks.read(layer.resolve("d")));
        assertEquals("new", Files.readString(layer.resolve("e")));
    }

    @Test
    void missingParentsAreCreated() throws Exception {
        unpack(new LayerTar().file("x/y/z", "deep").plain());
        assertEquals("deep", Files.readString(layer.resolve("x/y/z")));
        assertEquals(040755, mode(layer.resolve("x")));
        assertEquals(040755, mode(layer.resolve("x/y")));
    }

    @Test
    void summaryCountsEverything() throws Exception {
        UnpackSummary summary = unpack(new LayerTar()
                .dir("d")
                .file("d/a", "12345")
                .file("d/b", "678")
                .symlink("l", "d")
                .hardlink("h", "d/a")
                .file(".wh.w", "")
                .plain());
        assertEquals(new UnpackSummary(Compression.NONE, 6, 1, 2, 1, 1, 0, 1, 0, 8, summary.diffId()), summary);
    }

    @Test
    void diffIdIsTheDigestOfTheUncompressedTar() throws Exception {
        byte[] tar = sample().plain();
        String expected = "sha256:"
                + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(tar));
        assertEquals(expected, unpack(tar).diffId());
        byte[] gzip = LayerTar.compress(tar, GZIPOutputStream::new);
        byte[] zstd = LayerTar.compress(tar, com.github.luben.zstd.ZstdOutputStream::new);
        for (byte[] blob : List.of(gzip, zstd)) {
            Path again = Files.createTempDirectory(layer, "again");
            assertEquals(
                    expected,
                    LayerUnpacker.unpack(new ByteArrayInputStream(blob), again).diffId());
        }
    }

    // ---- compression and tar formats ----

    private LayerTar sample() {
        return new LayerTar()
                .dir("etc")
                .file("etc/hostname", "layer\n", e -> e.setMode(0640))
                .symlink("etc/localtime", "/nonexistent/zoneinfo/UTC");
    }

    private void assertSample() throws IOException {
        assertEquals("layer\n", Files.readString(layer.resolve("etc/hostname")));
        assertEquals(0100640, mode(layer.resolve("etc/hostname")));
        assertEquals("/nonexistent/zoneinfo/UTC", SymbolicLinks.read(layer.resolve("etc/localtime")));
    }

    @Test
    void plainTar() throws Exception {
        assertEquals(Compression.NONE, unpack(sample().plain()).compression());
        assertSample();
    }

    @Test
    void gzipTar() throws Exception {
        assertEquals(Compression.GZIP, unpack(sample().gzip()).compression());
        assertSample();
    }

    @Test
    void zstdTar() throws Exception {
        assertEquals(Compression.ZSTD, unpack(sample().zstd()).compression());
        assertSample();
    }

    @Test
    void concatenatedGzipMembers() throws Exception {
        byte[] tar = sample().plain();
        int half = tar.length / 2;
        byte[] first = LayerTar.compress(Arrays.copyOfRange(tar, 0, half), GZIPOutputStream::new);
        byte[] second = LayerTar.compress(Arrays.copyOfRange(tar, half, tar.length), GZIPOutputStream::new);
        byte[] both = new byte[first.length + second.length];
        System.arraycopy(first, 0, both, 0, first.length);
        System.arraycopy(second, 0, both, first.length, second.length);
        assertEquals(Compression.GZIP, unpack(both).compression());
        assertSample();
    }

    @Test
    void corruptGzipFails() {
        byte[] gz = sample().gzip();
        gz[gz.length - 5] ^= 0x55; // inside the CRC/size trailer
        assertThrows(IOException.class, () -> unpack(gz));
    }

    @Test
    void xzAndBzip2AreRefusedClearly() {
        IOException xz =
                assertThrows(IOException.class, () -> unpack(new byte[] {(byte) 0xfd, '7', 'z', 'X', 'Z', 0, 0, 0}));
        assertTrue(xz.getMessage().contains("xz"), xz.getMessage());
        IOException bz = assertThrows(IOException.class, () -> unpack("BZh91AY&SY".getBytes()));
        assertTrue(bz.getMessage().contains("bzip2"), bz.getMessage());
    }

    @Test
    void readsTheWholeBlob() throws Exception {
        byte[] blob = sample().gzip();
        ByteArrayInputStream in = new ByteArrayInputStream(blob);
        LayerUnpacker.unpack(in, layer);
        assertEquals(-1, in.read());
    }

    @Test
    void emptyLayer() throws Exception {
        UnpackSummary summary = unpack(new LayerTar().gzip());
        assertEquals(0, summary.entries());
    }

    @Test
    void longNamesAndXattrsStayInStepAcrossManyEntries() throws Exception {
        for (int mode : new int[] {TarArchiveOutputStream.LONGFILE_POSIX, TarArchiveOutputStream.LONGFILE_GNU}) {
            LayerTar tar = new LayerTar(mode);
            List<String> names = new ArrayList<>();
            for (int i = 0; i < 40; i++) {
                String name = "dir" + (i % 3) + "/" + "n".repeat(90 + i * 3) + "/" + "m".repeat(60 + i) + i;
                names.add(name);
                byte[] value = {(byte) i, (byte) 0x80, (byte) 0xc3, 0x28, (byte) i};
                tar.rawPax(Map.of("SCHILY.xattr.user.i", value));
                tar.file(name, "x".repeat(i * 37 + 1), e -> e.setLinkName(""));
                if (i % 5 == 0) {
                    tar.symlink(name + ".link", "l".repeat(120 + i));
                }
            }
            Path dir = Files.createDirectory(layer.resolve("mode" + mode));
            LayerUnpacker.unpack(new ByteArrayInputStream(tar.gzip()), dir);
            for (int i = 0; i < names.size(); i++) {
                Path file = dir.resolve(names.get(i));
                assertEquals(i * 37 + 1, Files.size(file));
                assertArrayEquals(
                        new byte[] {(byte) i, (byte) 0x80, (byte) 0xc3, 0x28, (byte) i},
                        ExtendedAttributes.get(file, "user.i").orElseThrow(),
                        names.get(i));
                if (i % 5 == 0) {
                    assertEquals("l".repeat(120 + i), SymbolicLinks.read(dir.resolve(names.get(i) + ".link")));
                }
            }
        }
    }

    @Test
    void layerDirMayBeReachedThroughASymlink() throws Exception {
        Path alias = Files.createSymbolicLink(outside.resolveSibling("layer-alias"), layer);
        try {
            LayerUnpacker.unpack(new ByteArrayInputStream(sample().plain()), alias);
            assertSample();
        } finally {
            Files.delete(alias);
        }
    }

    @Test
    void unsafeExceptionIsAnInvalidLayerException() {
        assertInstanceOf(InvalidLayerException.class, new UnsafeLayerException("x", "y"));
    }
}
