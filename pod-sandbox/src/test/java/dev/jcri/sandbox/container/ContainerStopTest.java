package dev.jcri.sandbox.container;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ContainerStopTest {
    private static final String ID = "b".repeat(64);

    @TempDir
    Path dir;

    private FakeHost host;

    @BeforeEach
    void node() throws Exception {
        host = new FakeHost(dir);
    }

    @Test
    void sendsTheStopSignalThenSigkillOnceTheTimeoutPassed() throws Exception {
        host.saved(ID, ContainerState.RUNNING);
        host.runtime.deadlyWith.put("KILL", 137);

        host.stop().stop(ID, 1);

        assertEquals(List.of("runtime.kill SIGTERM", "runtime.kill KILL"), host.journal);
        ContainerRecord record = host.table.store().get(ID).orElseThrow();
        assertEquals(ContainerState.EXITED, record.state());
        assertEquals(137, record.exitCode());
        assertEquals("Error", record.exit().orElseThrow().reason());
    }

    @Test
    void aContainerThatObeysTheStopSignalGetsNoSigkill() throws Exception {
        host.saved(ID, ContainerState.RUNNING);
        host.runtime.deadlyWith.put("SIGTERM", 0);

        host.stop().stop(ID, 30);

        assertEquals(List.of("runtime.kill SIGTERM"), host.journal);
        assertEquals(
                "Completed",
                host.table.store().get(ID).orElseThrow().exit().orElseThrow().reason());
    }

    @Test
    void aZeroTimeoutKillsAtOnce() throws Exception {
        host.saved(ID, ContainerState.CREATED);
        host.runtime.deadlyWith.put("KILL", 137);

        host.stop().stop(ID, 0);

        assertEquals(List.of("runtime.kill KILL"), host.journal);
    }

    @Test
    void unknownAndExitedContainersAreStoppedAlready() throws Exception {
        host.stop().stop("f".repeat(64), 10);
        host.saved(ID, ContainerState.RUNNING);
        host.exitFiles.exit(ID, 3);

        host.stop().stop(ID, 10);
        host.stop().stop(ID, 10);

        assertEquals(List.of(), host.journal);
        assertEquals(3, host.table.store().get(ID).orElseThrow().exitCode());
    }

    @Test
    void anExitWrittenButNotYetRecordedIsRecordedInsteadOfSignalling() throws Exception {
        host.saved(ID, ContainerState.RUNNING);
        host.exitFiles.written.put(ID, new ExitWatcher.Exit(ID, 0, java.time.Instant.now()));

        host.stop().stop(ID, 10);

        assertEquals(List.of(), host.journal);
        assertEquals(
                ContainerState.EXITED, host.table.store().get(ID).orElseThrow().state());
    }

    @Test
    void aSignalTheRuntimeRefusesFailsTheStopWhileTheContainerRuns() throws Exception {
        host.saved(ID, ContainerState.RUNNING);
        host.runtime.known.add(ID);
        host.runtime.statuses.put(ID, "running");
        host.runtime.killFails = true;

        assertThrows(FakeHost.Refused.class, () -> host.stop().stop(ID, 10));

        assertEquals(
                ContainerState.RUNNING, host.table.store().get(ID).orElseThrow().state());
    }

    @Test
    void aContainerThatDiedJustBeforeItsSignalIsStoppedOnceConmonWritesItsExit() throws Exception {
        // The infra container's end killed it: the runtime cannot signal it, conmon writes its exit a moment later.
        host.saved(ID, ContainerState.RUNNING);
        host.runtime.known.add(ID);
        host.runtime.statuses.put(ID, "stopped");
        host.runtime.killFails = true;
        Thread conmon = Thread.ofVirtual().start(() -> {
            try {
                Thread.sleep(200);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            host.exitFiles.exit(ID, 137);
        });

        host.stop().stop(ID, 0);

        conmon.join();
        ContainerRecord record = host.table.store().get(ID).orElseThrow();
        assertEquals(ContainerState.EXITED, record.state());
        assertEquals(137, record.exitCode());
    }
}
