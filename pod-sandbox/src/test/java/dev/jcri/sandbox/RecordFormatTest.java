package dev.jcri.sandbox;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import dev.jcri.sandbox.container.ContainerRecord;
import dev.jcri.sandbox.container.ContainerState;
import dev.jcri.sandbox.container.spec.ContainerSpec;
import dev.jcri.sandbox.pod.SandboxRecord;
import dev.jcri.sandbox.pod.SandboxState;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.json.JsonMapper;

/**
 * Records written by an earlier jcri must load after an upgrade, or a node restarted with pods running would lose
 * them. The resources are files such a jcri wrote (before the records were grouped into parts).
 */
class RecordFormatTest {
    private static final String POD = "a".repeat(64);
    private static final String CTR = "b".repeat(64);

    @TempDir
    Path dir;

    @Test
    void aContainerRecordOfTheFirstFormatLoads() throws Exception {
        StateLayout layout = new StateLayout(dir.resolve("root"), dir.resolve("run"), dir, dir);
        install("container-v1.json", layout.container(CTR).record());
        RecordStore<ContainerRecord> store = new RecordStore<>(
                layout.containerRecords(),
                StateLayout.CONTAINER_RECORD,
                ContainerRecord.class,
                ContainerRecord::id,
                ContainerRecord::name,
                "container");
        ContainerRecord record = store.load().getFirst();
        assertEquals(CTR, record.id());
        assertEquals(POD, record.sandboxId());
        assertEquals(ContainerState.EXITED, record.state());
        assertEquals(
                new ContainerRecord.ExitStatus(137, 1700000003000000000L, "OOMKilled", "killed"),
                record.exit().orElseThrow());
        assertEquals(
                new ContainerRecord.ContainerProcess(4242, 1000, 1000, List.of(5L)),
                record.process().orElseThrow());
        assertEquals(
                new ContainerRecord.ImageReference(
                        "busybox:latest", "sha256:" + "c".repeat(64), List.of("sha256:" + "d".repeat(64))),
                record.image());
        assertEquals(1700000002000000000L, record.startedAt());
        assertEquals("SIGINT", record.stopSignal());
        assertEquals("/var/log/pods/x/app/2.log", record.logPath());
        assertFalse(record.infra());
        ContainerSpec spec = record.spec();
        assertEquals(List.of("-c", "sleep 1"), spec.args());
        assertEquals("/srv/data", spec.mounts().getFirst().hostPath());
        assertEquals(ContainerSpec.PidMode.POD, spec.security().pidMode());
        assertEquals(1000L, spec.security().runAsUser());
        assertEquals(1 << 28, spec.resources().memoryLimitBytes());
    }

    @Test
    void aSandboxRecordOfTheFirstFormatLoads() throws Exception {
        StateLayout layout = new StateLayout(dir.resolve("root"), dir.resolve("run"), dir, dir);
        install("sandbox-v1.json", layout.sandbox(POD).record());
        RecordStore<SandboxRecord> store = new RecordStore<>(
                layout.sandboxRecords(),
                StateLayout.SANDBOX_RECORD,
                SandboxRecord.class,
                SandboxRecord::id,
                SandboxRecord::name,
                "sandbox");
        SandboxRecord record = store.load().getFirst();
        assertEquals(POD, record.id());
        assertEquals(SandboxState.READY, record.state());
        assertEquals(
                new SandboxRecord.PodNamespaces(
                        List.of("/run/jcri/ns/net/" + POD, "/run/jcri/ns/uts/" + POD),
                        Optional.of("/run/jcri/ns/net/" + POD),
                        Optional.of("/run/jcri/ns/ipc/" + POD),
                        Optional.of("/run/jcri/ns/uts/" + POD),
                        Optional.empty(),
                        Optional.of("/run/jcri/ns/user/" + POD)),
                record.namespaces());
        assertEquals(Optional.of("/run/jcri/sandboxes/" + POD + "/shm"), record.shm());
        assertEquals(List.of("10.88.0.5"), record.ips());
        assertEquals("web-0", record.spec().name());
        assertEquals("runc", record.runtimeHandler());
    }

    @Test
    void aContainerRecordIsStillWrittenInTheFirstFormat() throws Exception {
        StateLayout layout = new StateLayout(dir.resolve("root"), dir.resolve("run"), dir, dir);
        install("container-v1.json", layout.container(CTR).record());
        RecordStore<ContainerRecord> store = new RecordStore<>(
                layout.containerRecords(),
                StateLayout.CONTAINER_RECORD,
                ContainerRecord.class,
                ContainerRecord::id,
                ContainerRecord::name,
                "container");
        ContainerRecord loaded = store.load().getFirst();
        store.save(loaded);

        JsonMapper json = JsonMapper.builder().build();
        try (InputStream original = RecordFormatTest.class.getResourceAsStream("records/container-v1.json")) {
            assertEquals(
                    json.readTree(original),
                    json.readTree(Files.readString(layout.container(CTR).record())));
        }
    }

    @Test
    void aSandboxRecordIsStillWrittenInTheFirstFormat() throws Exception {
        StateLayout layout = new StateLayout(dir.resolve("root"), dir.resolve("run"), dir, dir);
        install("sandbox-v1.json", layout.sandbox(POD).record());
        RecordStore<SandboxRecord> store = new RecordStore<>(
                layout.sandboxRecords(),
                StateLayout.SANDBOX_RECORD,
                SandboxRecord.class,
                SandboxRecord::id,
                SandboxRecord::name,
                "sandbox");
        store.save(store.load().getFirst());

        JsonMapper json = JsonMapper.builder().build();
        try (InputStream original = RecordFormatTest.class.getResourceAsStream("records/sandbox-v1.json")) {
            assertEquals(
                    json.readTree(original),
                    json.readTree(Files.readString(layout.sandbox(POD).record())));
        }
    }

    private static void install(String resource, Path target) throws Exception {
        Files.createDirectories(target.getParent());
        try (InputStream in = RecordFormatTest.class.getResourceAsStream("records/" + resource)) {
            Files.copy(in, target);
        }
    }
}
