package dev.jcri.sandbox.container;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jcri.sandbox.NotFoundException;
import dev.jcri.sandbox.container.spec.ContainerSpec;
import dev.jcri.sandbox.container.spec.MountSpec;
import dev.jcri.sandbox.pod.SandboxState;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ContainerCreateTest {
    @TempDir
    Path dir;

    private FakeHost host;

    @BeforeEach
    void node() throws Exception {
        host = new FakeHost(dir);
    }

    @Test
    void pinsMountsAndWritesTheBundleAndLeavesConmonAndTheRuntimesCreateToTheStart() throws Exception {
        ContainerRecord record = host.create().create(FakeHost.POD, FakeHost.spec(), FakeHost.IMAGE);

        assertEquals(List.of("images.pin", "rootfs.mount"), host.journal);
        assertEquals(ContainerState.CREATED, record.state());
        assertEquals(0, record.pid());
        assertEquals("SIGTERM", record.stopSignal());
        assertEquals(record, host.table.store().get(record.id()).orElseThrow());
        Path config = host.layout.container(record.id()).ociConfig();
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(config)));

        ContainerRecord started = host.start().start(record.id());

        assertEquals(List.of("images.pin", "rootfs.mount", "monitor.create", "runtime.start"), host.journal);
        assertEquals(ContainerState.RUNNING, started.state());
        assertEquals(4242, started.pid());
    }

    @Test
    void aContainerStoppedBeforeItsStartEndsWithoutAProcess() throws Exception {
        ContainerRecord record = host.create().create(FakeHost.POD, FakeHost.spec(), FakeHost.IMAGE);

        host.stop().stop(record.id(), 10);

        assertEquals(List.of("images.pin", "rootfs.mount"), host.journal);
        assertEquals(ContainerState.EXITED, host.table.current(record.id()).state());
    }

    @Test
    void resourcesOfAContainerNotStartedGoIntoItsBundle() throws Exception {
        ContainerRecord record = host.create().create(FakeHost.POD, FakeHost.spec(), FakeHost.IMAGE);
        ContainerSpec.Resources resources =
                new ContainerSpec.Resources(0, 0, 0, 64L << 20, 0, 0, "", "", List.of(), java.util.Map.of(), 0);

        new ContainerResourceUpdate(host.table).update(record.id(), resources);

        Path config = host.layout.container(record.id()).ociConfig();
        assertTrue(Files.readString(config).contains("\"limit\":" + (64L << 20)), Files.readString(config));
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(config)));
        assertEquals(List.of("images.pin", "rootfs.mount"), host.journal);
    }

    @Test
    void theStopSignalIsTheContainersElseTheImagesElseSigterm() {
        assertEquals("SIGUSR1", ContainerCreate.stopSignal("SIGUSR1", "SIGINT", "img"));
        assertEquals("SIGRTMIN+3", ContainerCreate.stopSignal("SIGRTMIN+3", "", "img"));
        assertEquals("SIGINT", ContainerCreate.stopSignal("", "INT", "img"));
        assertEquals("SIGQUIT", ContainerCreate.stopSignal("", "3", "img"));
        assertEquals("SIGTERM", ContainerCreate.stopSignal("", "", "img"));
        assertEquals("SIGTERM", ContainerCreate.stopSignal("", "NOT-A-SIGNAL", "img"));
    }

    @Test
    void aFailingConmonAtStartIsUndoneAndLeavesTheContainerExitedWithAStartError() throws Exception {
        ContainerRecord record = host.create().create(FakeHost.POD, FakeHost.spec(), FakeHost.IMAGE);
        host.monitor.createFails = true;

        assertThrows(FakeHost.Refused.class, () -> host.start().start(record.id()));

        assertEquals(
                List.of("images.pin", "rootfs.mount", "monitor.create", "runtime.delete", "monitor.release"),
                host.journal);
        ContainerRecord failed = host.table.current(record.id());
        assertEquals(ContainerState.EXITED, failed.state());
        assertEquals("StartError", failed.exit().orElseThrow().reason());
        assertFalse(host.runtime.knows(record.id()));
    }

    @Test
    void aFailingMountUndoesThePinAndTheBundle() throws Exception {
        host.rootfs.mountFails = true;

        assertThrows(FakeHost.Refused.class, () -> host.create().create(FakeHost.POD, FakeHost.spec(), FakeHost.IMAGE));

        assertEquals(List.of("images.pin", "rootfs.mount", "images.unpin"), host.journal);
        assertNothingLeft();
    }

    @Test
    void bindSourcesItMadeGoWhenTheCreateFails() throws Exception {
        Path source = dir.resolve("volumes/new/data");
        ContainerSpec spec = FakeHost.spec()
                .withMounts(List.of(
                        new MountSpec("/data", source.toString(), false, MountSpec.Propagation.PRIVATE, false)));
        host.rootfs.mountFails = true;

        assertThrows(FakeHost.Refused.class, () -> host.create().create(FakeHost.POD, spec, FakeHost.IMAGE));

        assertFalse(Files.exists(dir.resolve("volumes")), "the dirs made for the bind source were removed");
        assertNothingLeft();
    }

    @Test
    void aBindSourceInsideJcrisStateIsRefusedBeforeAnythingIsMade() {
        Path inside = host.layout.protectedDirs().getFirst().resolve("containers");
        ContainerSpec spec = FakeHost.spec()
                .withMounts(
                        List.of(new MountSpec("/x", inside.toString(), false, MountSpec.Propagation.PRIVATE, false)));

        IllegalArgumentException e = assertThrows(
                IllegalArgumentException.class, () -> host.create().create(FakeHost.POD, spec, FakeHost.IMAGE));

        assertTrue(e.getMessage().startsWith("mounts[0].host_path: "), e.getMessage());
        assertEquals(List.of(), host.journal);
    }

    @Test
    void anImageVolumeIsMountedAfterTheRootfsAndHeldWithTheContainer() throws Exception {
        ContainerSpec spec = FakeHost.spec().withMounts(List.of(imageVolume("")));

        ContainerRecord record = host.create().create(FakeHost.POD, spec, FakeHost.IMAGE);

        assertEquals(List.of("images.pin", "images.hold", "rootfs.mount", "rootfs.mountImageVolume"), host.journal);
        assertEquals(
                List.of(new ContainerRecord.ImageReference(
                        FakeHost.IMAGE, FakeHost.image().id(), List.of("layer"))),
                record.volumeImages());
        assertEquals(spec, record.spec(), "the record keeps the request, not the staged path");
    }

    @Test
    void anImageVolumeWithABadSubPathIsUnmountedAgain() throws Exception {
        ContainerSpec spec = FakeHost.spec().withMounts(List.of(imageVolume("missing")));

        IllegalArgumentException e = assertThrows(
                IllegalArgumentException.class, () -> host.create().create(FakeHost.POD, spec, FakeHost.IMAGE));

        assertTrue(e.getMessage().startsWith("mounts[0].image_sub_path: "), e.getMessage());
        assertEquals(
                List.of(
                        "images.pin",
                        "images.hold",
                        "rootfs.mount",
                        "rootfs.mountImageVolume",
                        "rootfs.unmount",
                        "rootfs.unmount",
                        "images.unpin"),
                host.journal);
        assertNothingLeft();
    }

    @Test
    void anImageVolumeOfAMissingImageIsNotFoundBeforeAnythingIsMade() {
        ContainerSpec spec = FakeHost.spec()
                .withMounts(List.of(new MountSpec(
                        "/vol",
                        "",
                        true,
                        MountSpec.Propagation.PRIVATE,
                        false,
                        null,
                        new MountSpec.ImageVolume("missing:latest", ""))));

        assertThrows(NotFoundException.class, () -> host.create().create(FakeHost.POD, spec, FakeHost.IMAGE));
        assertEquals(List.of(), host.journal);
    }

    private static MountSpec imageVolume(String subPath) {
        return new MountSpec(
                "/vol",
                "",
                true,
                MountSpec.Propagation.PRIVATE,
                false,
                null,
                new MountSpec.ImageVolume(FakeHost.IMAGE, subPath));
    }

    @Test
    void unknownPodsAndImagesAreNotFoundAndAPodNotReadyIsAFailedPrecondition() {
        assertThrows(
                NotFoundException.class, () -> host.create().create("f".repeat(64), FakeHost.spec(), FakeHost.IMAGE));
        assertThrows(
                NotFoundException.class, () -> host.create().create(FakeHost.POD, FakeHost.spec(), "missing:latest"));
        host.sandboxes.put(FakeHost.POD, FakeHost.sandbox(SandboxState.NOTREADY));
        assertThrows(
                IllegalStateException.class, () -> host.create().create(FakeHost.POD, FakeHost.spec(), FakeHost.IMAGE));
        assertEquals(List.of(), host.journal);
    }

    @Test
    void aRetriedCreateOfTheSameContainerGetsTheEarlierOne() throws Exception {
        ContainerRecord first = host.create().create(FakeHost.POD, FakeHost.spec(), FakeHost.IMAGE);
        host.journal.clear();

        ContainerRecord again = host.create().create(FakeHost.POD, FakeHost.spec(), FakeHost.IMAGE);

        assertEquals(first.id(), again.id());
        assertEquals(List.of(), host.journal);
    }

    private void assertNothingLeft() throws Exception {
        assertEquals(List.of(), host.table.store().list());
        try (var bundles = Files.list(host.layout.bundles())) {
            assertEquals(List.of(), bundles.toList());
        }
    }
}
