package dev.jcri.sandbox.container.spec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ContainerUserResolverTest {
    private static final String PASSWD = """
            root:x:0:0:root:/root:/bin/sh
            # a comment
            daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin

            alice:x:1000:1000:Alice:/home/alice:/bin/sh
            broken:x:notanumber:1:::
            bob:x:1001:100:Bob:/home/bob:/bin/sh
            """;
    private static final String GROUP = """
            root:x:0:
            daemon:x:1:
            users:x:100:
            alice:x:1000:
            wheel:x:10:alice,root
            video:x:44:carol, alice
            staff:x:50:bob
            """;

    @TempDir
    Path dir;

    private Path rootfs;
    private final SpecDraft draft = new SpecDraft();

    @BeforeEach
    void image() throws IOException {
        rootfs = Files.createDirectories(dir.resolve("rootfs"));
        Files.createDirectories(rootfs.resolve("etc"));
        Files.writeString(rootfs.resolve("etc/passwd"), PASSWD);
        Files.writeString(rootfs.resolve("etc/group"), GROUP);
    }

    private ContainerUser resolve() throws IOException {
        return ContainerUserResolver.resolve(draft.security(), draft.imageUser, rootfs);
    }

    private String error() {
        return assertThrows(IllegalArgumentException.class, this::resolve).getMessage();
    }

    @Test
    void noUserAnywhereMeansRootWithItsGroups() throws IOException {
        assertEquals(new ContainerUser(0, 0, List.of(0L, 10L)), resolve());
    }

    @Test
    void imageUserByUid() throws IOException {
        draft.imageUser = "1000";
        assertEquals(new ContainerUser(1000, 1000, List.of(1000L, 10L, 44L)), resolve());
        draft.imageUser = "4242";
        assertEquals(new ContainerUser(4242, 0, List.of(0L)), resolve(), "unknown uid: gid 0, no groups");
    }

    @Test
    void imageUserByName() throws IOException {
        draft.imageUser = "bob";
        assertEquals(new ContainerUser(1001, 100, List.of(100L, 50L)), resolve());
    }

    @Test
    void imageUserWithGroup() throws IOException {
        draft.imageUser = "1000:44";
        assertEquals(new ContainerUser(1000, 44, List.of(44L, 10L)), resolve());
        draft.imageUser = "alice:7";
        assertEquals(new ContainerUser(1000, 7, List.of(7L, 10L, 44L)), resolve());
        draft.imageUser = "alice:staff";
        assertEquals(new ContainerUser(1000, 50, List.of(50L, 10L, 44L)), resolve());
        draft.imageUser = "4242:users";
        assertEquals(new ContainerUser(4242, 100, List.of(100L)), resolve());
    }

    @Test
    void unknownNamesAreRefusedNamingThem() {
        draft.imageUser = "mallory";
        assertEquals("the image's USER \"mallory\": user \"mallory\" is not in the image's /etc/passwd", error());
        draft.imageUser = "alice:nogroup";
        assertEquals("the image's USER \"alice:nogroup\": group \"nogroup\" is not in the image's /etc/group", error());
        draft.imageUser = "broken";
        assertTrue(error().contains("user \"broken\" is not in"), "entries with bad numbers are skipped");
        draft.imageUser = ":50";
        assertTrue(error().endsWith("names no user"));
        draft.imageUser = "99999999999";
        assertTrue(error().contains("out of range"));
    }

    @Test
    void runAsUserWinsOverEverything() throws IOException {
        draft.imageUser = "bob";
        draft.runAsUsername = "bob";
        draft.runAsUser = 1000L;
        assertEquals(new ContainerUser(1000, 1000, List.of(1000L, 10L, 44L)), resolve());
    }

    @Test
    void runAsUsernameWinsOverTheImage() throws IOException {
        draft.imageUser = "1000";
        draft.runAsUsername = "bob";
        assertEquals(new ContainerUser(1001, 100, List.of(100L, 50L)), resolve());
        draft.runAsUsername = "nobody-here";
        assertEquals(
                "run_as_username \"nobody-here\": user \"nobody-here\" is not in the image's /etc/passwd", error());
    }

    @Test
    void runAsGroupAndSupplementalGroupsMerge() throws IOException {
        draft.runAsUser = 1000L;
        draft.runAsGroup = 3000L;
        draft.supplementalGroups.addAll(List.of(4000L, 10L, 4000L));
        assertEquals(new ContainerUser(1000, 3000, List.of(3000L, 4000L, 10L, 44L)), resolve());
    }

    @Test
    void runAsGroupWithoutAUserIsRefused() {
        draft.runAsGroup = 3000L;
        draft.imageUser = "alice";
        assertEquals("run_as_group needs run_as_user or run_as_username", error());
    }

    @Test
    void invalidIdsAreRefused() {
        draft.runAsUser = -1L;
        assertTrue(error().startsWith("run_as_user: -1"));
        draft.runAsUser = 0L;
        draft.supplementalGroups.add(1L << 32);
        assertTrue(error().startsWith("supplemental_groups[0]:"));
    }

    @Test
    void missingFilesOnlyMatterForNames() throws IOException {
        Files.delete(rootfs.resolve("etc/passwd"));
        Files.delete(rootfs.resolve("etc/group"));
        draft.imageUser = "1000:1000";
        assertEquals(new ContainerUser(1000, 1000, List.of(1000L)), resolve());
        draft.imageUser = "alice";
        assertEquals(
                "the image's USER \"alice\": user \"alice\" cannot be resolved, the image has no /etc/passwd", error());
        draft.imageUser = "1000:staff";
        assertTrue(error().endsWith("group \"staff\" cannot be resolved, the image has no /etc/group"));
    }

    @Test
    void linksInsideTheRootfsAreFollowedWithinIt() throws IOException {
        Files.createDirectories(rootfs.resolve("usr/lib"));
        Files.move(rootfs.resolve("etc/passwd"), rootfs.resolve("usr/lib/passwd"));
        Files.createSymbolicLink(rootfs.resolve("etc/passwd"), Path.of("../usr/lib/passwd"));
        Files.move(rootfs.resolve("etc/group"), rootfs.resolve("usr/lib/group"));
        // Absolute targets are taken relative to the rootfs, as the container would see them.
        Files.createSymbolicLink(rootfs.resolve("etc/group"), Path.of("/usr/lib/group"));
        draft.imageUser = "bob:staff";
        assertEquals(new ContainerUser(1001, 50, List.of(50L)), resolve());
    }

    @Test
    void linksOutOfTheRootfsNeverReachHostFiles() throws IOException {
        Path outside = Files.createDirectories(dir.resolve("outside"));
        Files.writeString(outside.resolve("passwd"), "mallory:x:666:666::/:/bin/sh\n");
        Files.delete(rootfs.resolve("etc/passwd"));
        Files.createSymbolicLink(rootfs.resolve("etc/passwd"), outside.resolve("passwd"));
        draft.imageUser = "mallory";
        assertTrue(error().contains("the image has no /etc/passwd"));

        Files.delete(rootfs.resolve("etc/passwd"));
        Files.createSymbolicLink(rootfs.resolve("etc/passwd"), Path.of("../../../../../../outside/passwd"));
        assertTrue(error().contains("the image has no /etc/passwd"));

        // A linked /etc directory is confined the same way.
        Files.writeString(outside.resolve("group"), "evil:x:666:root\n");
        Path etc = rootfs.resolve("etc");
        Files.move(etc, rootfs.resolve("etc.real"));
        Files.createSymbolicLink(etc, outside);
        draft.imageUser = "0";
        assertEquals(new ContainerUser(0, 0, List.of(0L)), resolve(), "the host file's groups are not used");
    }

    @Test
    void hostileFilesAreRefused() throws IOException {
        Files.delete(rootfs.resolve("etc/passwd"));
        Files.createSymbolicLink(rootfs.resolve("etc/passwd"), Path.of("passwd"));
        draft.imageUser = "alice";
        assertTrue(error().contains("more than 40 symbolic links"));
        Files.delete(rootfs.resolve("etc/passwd"));
        Files.createDirectory(rootfs.resolve("etc/passwd"));
        assertEquals("the image's /etc/passwd is not a regular file", error());
    }
}
