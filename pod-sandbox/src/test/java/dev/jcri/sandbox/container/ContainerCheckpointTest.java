package dev.jcri.sandbox.container;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jcri.sandbox.NotFoundException;
import dev.jcri.sandbox.checkpoint.CheckpointArchive;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

class ContainerCheckpointTest {
    private static final String ID = "b".repeat(64);

    @TempDir
    Path dir;

    private FakeHost host;
    private Path out;

    @BeforeEach
    void node() throws Exception {
        host = new FakeHost(dir);
        out = Files.createDirectories(dir.resolve("out"));
    }

    private void runningWithRootfsChanges() throws Exception {
        host.saved(ID, ContainerState.RUNNING);
        var paths = host.layout.container(ID);
        Files.writeString(paths.ociConfig(), """
                {"ociVersion":"1.0.0","mounts":[{"destination":"/etc/hosts"}],"annotations":{"a":"b"}}""");
        Files.createDirectories(paths.upper().resolve("data"));
        Files.writeString(paths.upper().resolve("data/count"), "42");
        Files.createDirectories(paths.upper().resolve("etc"));
        Files.writeString(paths.upper().resolve("etc/hosts"), "");
    }

    @Test
    void writesTheArchiveInTheLayoutCheckpointctlReadsAndLeavesNothingElse() throws Exception {
        runningWithRootfsChanges();
        Path archive = out.resolve("ctr.tar");

        host.checkpoint().checkpoint(ID, archive.toString(), 0);

        assertEquals(List.of("runtime.checkpoint 0"), host.journal);
        Path extracted = Files.createDirectories(dir.resolve("x"));
        CheckpointArchive.extract(archive, extracted);
        assertTrue(Files.isRegularFile(extracted.resolve("checkpoint/pstree.img")));
        assertTrue(Files.isRegularFile(extracted.resolve("checkpoint/pages-1.img")));
        assertTrue(Files.isRegularFile(extracted.resolve("dump.log")));
        assertTrue(Files.isRegularFile(extracted.resolve("rootfs-diff.tar")));
        JsonMapper json = JsonMapper.builder().build();
        JsonNode config = json.readTree(extracted.resolve("config.dump").toFile());
        assertEquals(ID, config.path("id").asString());
        assertEquals(FakeHost.IMAGE, config.path("rootfsImageName").asString());
        assertFalse(config.path("restored").asBoolean());
        JsonNode spec = json.readTree(extracted.resolve("spec.dump").toFile());
        assertEquals("b", spec.path("annotations").path("a").asString());
        assertEquals(
                "web-0",
                spec.path("annotations").path("io.kubernetes.cri.sandbox-name").asString());
        assertEquals(
                "default",
                spec.path("annotations")
                        .path("io.kubernetes.cri.sandbox-namespace")
                        .asString());
        assertEquals("[]", Files.readString(extracted.resolve("deleted.files")));
        // The mount point the runtime made is not part of the diff; the container's own file is.
        Path rootfs = Files.createDirectories(dir.resolve("rootfs"));
        dev.jcri.sandbox.checkpoint.RootfsDiff.apply(extracted.resolve("rootfs-diff.tar"), List.of(), rootfs);
        assertEquals("42", Files.readString(rootfs.resolve("data/count")));
        assertFalse(Files.exists(rootfs.resolve("etc/hosts")));
        try (Stream<Path> left = Files.list(out)) {
            assertEquals(List.of(archive), left.toList());
        }
        var paths = host.layout.container(ID);
        assertFalse(Files.exists(paths.checkpointStaging()));
        assertFalse(Files.exists(paths.checkpointWork()));
    }

    @Test
    void aCreateFromTheArchivePreparesTheRootfsAndImagesAndLaunchesNothing() throws Exception {
        ContainerRecord restored = createdFromArchive();

        assertEquals(
                List.of("images.pin", "rootfs.mount"),
                host.journal.stream().filter(s -> !s.startsWith("runtime.")).toList());
        assertFalse(host.runtime.known.contains(restored.id()));
        assertEquals(ContainerState.CREATED, restored.state());
        assertEquals(0, restored.pid());
        assertTrue(CheckpointRestore.pending(restored));
        assertEquals(FakeHost.IMAGE, restored.image().requested());
        assertEquals(
                out.resolve("ctr.tar").toString(), restored.spec().annotations().get(CheckpointRestore.RESTORED_FROM));
        var paths = host.layout.container(restored.id());
        assertEquals("42", Files.readString(paths.rootfs().resolve("data/count")));
        assertTrue(Files.isRegularFile(paths.restoreSource().resolve("checkpoint/pstree.img")));
        assertTrue(Files.isRegularFile(paths.ociConfig()));
        assertEquals(ContainerState.CREATED, host.table.current(restored.id()).state());
    }

    @Test
    void theStartOfARestoreLaunchesConmonWithTheRestoreAndDropsTheImages() throws Exception {
        ContainerRecord restored = createdFromArchive();
        host.journal.clear();

        ContainerRecord started = host.start().start(restored.id());

        assertEquals(List.of("monitor.create --restore"), host.journal);
        assertEquals(ContainerState.RUNNING, started.state());
        assertEquals(4242, started.pid());
        assertFalse(CheckpointRestore.pending(started));
        assertFalse(Files.exists(host.layout.container(restored.id()).restoreSource()));
    }

    @Test
    void aFailedRestoreRemovesTheContainerAndLeavesNothing() throws Exception {
        ContainerRecord restored = createdFromArchive();
        host.journal.clear();
        host.monitor.createFails = true;

        assertThrows(IOException.class, () -> host.start().start(restored.id()));

        assertTrue(host.journal.contains("runtime.delete (record removing)"), host.journal.toString());
        assertTrue(host.journal.contains("monitor.release"));
        assertTrue(host.journal.contains("rootfs.unmount"));
        assertTrue(host.table.store().get(restored.id()).isEmpty());
        assertFalse(host.runtime.known.contains(restored.id()));
        assertFalse(Files.exists(host.layout.container(restored.id()).recordDir()));
        assertFalse(Files.exists(host.layout.container(restored.id()).bundle()));
    }

    @Test
    void aNeverStartedRestoreIsRemovedWithItsImagesRootfsAndBundle() throws Exception {
        ContainerRecord restored = createdFromArchive();
        var paths = host.layout.container(restored.id());
        host.journal.clear();

        host.remove().removeNow(restored.id());

        assertFalse(host.journal.stream().anyMatch(s -> s.startsWith("runtime.")), host.journal.toString());
        assertFalse(host.journal.stream().anyMatch(s -> s.startsWith("monitor.create")));
        assertTrue(host.journal.contains("rootfs.unmount"));
        assertTrue(host.table.store().get(restored.id()).isEmpty());
        assertFalse(Files.exists(paths.restoreSource()));
        assertFalse(Files.exists(paths.recordDir()));
        assertFalse(Files.exists(paths.bundle()));
    }

    @Test
    void aStopBeforeTheRestoreRanRecordsItExitedWithoutTheRuntime() throws Exception {
        ContainerRecord restored = createdFromArchive();
        host.journal.clear();

        host.stop().stop(restored.id(), 10);

        assertEquals(List.of(), host.journal);
        assertEquals(ContainerState.EXITED, host.table.current(restored.id()).state());
        assertThrows(IllegalStateException.class, () -> host.start().start(restored.id()));
    }

    @Test
    void recoveryKeepsANeverStartedRestoreCreatedAndDeletesRuntimeStateACutOffStartLeft() throws Exception {
        ContainerRecord restored = createdFromArchive();
        host.runtime.known.add(restored.id());
        host.journal.clear();

        new ContainerRecovery(host.table, host.exits, host.remove(), host.monitor, host.images).recover();

        ContainerRecord kept = host.table.current(restored.id());
        assertEquals(ContainerState.CREATED, kept.state());
        assertTrue(CheckpointRestore.pending(kept));
        assertTrue(host.journal.contains("runtime.delete"), host.journal.toString());
        assertTrue(Files.isDirectory(host.layout.container(restored.id()).restoreSource()));
        host.journal.clear();

        assertEquals(ContainerState.RUNNING, host.start().start(restored.id()).state());
        assertEquals(List.of("monitor.create --restore"), host.journal);
    }

    @Test
    void recoveryRecordsARestoreWhoseConmonOutlivedTheCrashRunningWithTheRuntimesPid() throws Exception {
        ContainerRecord restored = createdFromArchive();
        // jcri died after conmon had the runtime restore the container, before the RUNNING record.
        host.runtime.known.add(restored.id());
        host.runtime.statuses.put(restored.id(), "running");
        host.monitor.conmonsAlive = true;
        Path pidFile = host.layout.container(restored.id()).pidFile();
        Files.createDirectories(pidFile.getParent());
        Files.writeString(pidFile, "777");

        new ContainerRecovery(host.table, host.exits, host.remove(), host.monitor, host.images).recover();

        ContainerRecord recovered = host.table.current(restored.id());
        assertEquals(ContainerState.RUNNING, recovered.state());
        assertEquals(777, recovered.pid());
    }

    private ContainerRecord createdFromArchive() throws Exception {
        runningWithRootfsChanges();
        Path archive = out.resolve("ctr.tar");
        host.checkpoint().checkpoint(ID, archive.toString(), 0);
        host.journal.clear();
        return host.create().create(FakeHost.POD, FakeHost.spec(), archive.toString());
    }

    @Test
    void aCreateFromAFileThatIsNoCheckpointOrNamesAMissingImageIsRefused() throws Exception {
        Path notATar = Files.writeString(out.resolve("plain.tar"), "plain");
        assertThrows(
                IllegalArgumentException.class,
                () -> host.create().create(FakeHost.POD, FakeHost.spec(), notATar.toString()));
        assertThrows(
                IllegalArgumentException.class,
                () -> host.create()
                        .create(
                                FakeHost.POD,
                                FakeHost.spec(),
                                out.resolve("missing.tar").toString()));
        var annotated = FakeHost.spec().withAnnotations(java.util.Map.of(CheckpointRestore.RESTORED_FROM, "/x"));
        assertThrows(
                IllegalArgumentException.class, () -> host.create().create(FakeHost.POD, annotated, FakeHost.IMAGE));
        assertEquals(List.of(), host.journal);
    }

    @Test
    void aLocationThatIsRelativeOrInsideJcrisStateIsRefusedNamingTheField() throws Exception {
        host.saved(ID, ContainerState.RUNNING);
        for (String location : List.of(
                "",
                "ctr.tar",
                host.layout.protectedDirs().getFirst().resolve("x.tar").toString(),
                host.layout.protectedDirs().getLast() + "/../run/x.tar")) {
            var e = assertThrows(
                    IllegalArgumentException.class, () -> host.checkpoint().checkpoint(ID, location, 0));
            assertTrue(e.getMessage().startsWith("location: "), e.getMessage());
        }
        assertEquals(List.of(), host.journal);
    }

    @Test
    void anUnknownContainerIsNotFoundAndAStoppedOneIsAFailedPrecondition() throws Exception {
        assertThrows(
                NotFoundException.class,
                () -> host.checkpoint()
                        .checkpoint("f".repeat(64), out.resolve("a.tar").toString(), 0));
        host.saved(ID, ContainerState.CREATED);
        var e = assertThrows(
                IllegalStateException.class,
                () -> host.checkpoint().checkpoint(ID, out.resolve("a.tar").toString(), 0));
        assertTrue(e.getMessage().contains("only a running container"), e.getMessage());
        assertEquals(List.of(), host.journal);
    }

    @Test
    void whereCriuCannotWorkTheRuntimesReasonIsGivenAndNothingRuns() throws Exception {
        host.saved(ID, ContainerState.RUNNING);
        host.runtime.checkpointProblem = Optional.of("criu check failed: vdso: Unexpected rt vDSO area bounds");

        var e = assertThrows(
                IllegalStateException.class,
                () -> host.checkpoint().checkpoint(ID, out.resolve("a.tar").toString(), 0));

        assertTrue(e.getMessage().contains("vDSO"), e.getMessage());
        assertEquals(List.of(), host.journal);
        assertFalse(Files.exists(out.resolve("a.tar")));
    }

    @Test
    void aTimeoutResumesTheContainerAndLeavesNoArchive() throws Exception {
        runningWithRootfsChanges();
        host.runtime.checkpointTimesOut = true;

        assertThrows(
                CheckpointTimeoutException.class,
                () -> host.checkpoint().checkpoint(ID, out.resolve("a.tar").toString(), 2));

        assertEquals(List.of("runtime.checkpoint 2", "runtime.resume"), host.journal);
        assertEquals(
                ContainerState.RUNNING, host.table.store().get(ID).orElseThrow().state());
        try (Stream<Path> left = Files.list(out)) {
            assertEquals(Set.of(), Set.copyOf(left.toList()));
        }
    }

    @Test
    void pastTheCallersTimeoutTheDumpIsAbandonedNotKilledAndLeavesNothing() throws Exception {
        runningWithRootfsChanges();
        host.runtime.checkpointLasts = new CountDownLatch(1);
        Path archive = out.resolve("a.tar");

        var e = assertThrows(
                CheckpointTimeoutException.class, () -> host.checkpoint().checkpoint(ID, archive.toString(), 1));

        assertTrue(e.getMessage().contains("abandoned"), e.getMessage());
        // The runtime was neither killed nor told to resume: its dump goes on.
        assertEquals(List.of("runtime.checkpoint 1"), host.journal);
        Path staging = host.layout.container(ID).checkpointStaging();
        assertTrue(Files.exists(staging), "the dump still writes into its staging dir");
        host.runtime.checkpointLasts.countDown();
        // The container's lock is free again once the abandoned dump ended and its files are gone.
        ReentrantLock lock = host.table.lockOf(ID);
        assertTrue(lock.tryLock(10, TimeUnit.SECONDS));
        lock.unlock();
        assertFalse(Files.exists(staging));
        assertFalse(Files.exists(host.layout.container(ID).checkpointWork()));
        try (Stream<Path> left = Files.list(out)) {
            assertEquals(Set.of(), Set.copyOf(left.toList()));
        }
        assertEquals(List.of("runtime.checkpoint 1"), host.journal);
        assertEquals(
                ContainerState.RUNNING, host.table.store().get(ID).orElseThrow().state());
    }

    @Test
    void aFailedDumpKeepsAnEarlierArchiveAndLeavesNoTempFile() throws Exception {
        runningWithRootfsChanges();
        Path archive = out.resolve("a.tar");
        Files.writeString(archive, "earlier");
        host.runtime.checkpointFails = true;

        assertThrows(FakeHost.Refused.class, () -> host.checkpoint().checkpoint(ID, archive.toString(), 0));

        assertEquals("earlier", Files.readString(archive));
        try (Stream<Path> left = Files.list(out)) {
            assertEquals(List.of(archive), left.toList());
        }
        assertFalse(Files.exists(host.layout.container(ID).checkpointStaging()));
    }
}
