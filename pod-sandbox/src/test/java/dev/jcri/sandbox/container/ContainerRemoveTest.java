package dev.jcri.sandbox.container;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ContainerRemoveTest {
    private static final String ID = "b".repeat(64);

    @TempDir
    Path dir;

    private FakeHost host;

    @BeforeEach
    void node() throws Exception {
        host = new FakeHost(dir);
    }

    @Test
    void marksTheRecordRemovingBeforeItTearsAnythingDown() throws Exception {
        host.saved(ID, ContainerState.CREATED);
        host.runtime.known.add(ID);
        host.runtime.deadlyWith.put("KILL", 137);

        host.remove().removeNow(ID);

        assertEquals(
                List.of(
                        "runtime.kill KILL",
                        "rootfs.unmount",
                        "images.unpin",
                        "runtime.delete (record removing)",
                        "monitor.awaitExit",
                        "monitor.release"),
                host.journal);
        assertEquals(List.of(), host.table.store().list());
        assertFalse(Files.exists(host.layout.container(ID).bundle()));
    }

    @Test
    void anExitedContainerIsNotSignalled() throws Exception {
        host.saved(ID, ContainerState.RUNNING);
        host.exitFiles.exit(ID, 0);

        host.remove().removeNow(ID);

        assertEquals(List.of("rootfs.unmount", "images.unpin", "monitor.awaitExit", "monitor.release"), host.journal);
        assertEquals(List.of(), host.table.store().list());
        assertEquals(java.util.Optional.empty(), host.exitFiles.exitOf(ID));
    }

    @Test
    void removingAnUnknownOrRemovedContainerSucceeds() throws Exception {
        host.saved(ID, ContainerState.CREATING);
        host.remove().removeNow(ID);
        host.journal.clear();

        host.remove().removeNow(ID);
        host.remove().removeNow("f".repeat(64));

        assertEquals(List.of(), host.journal);
    }

    @Test
    void theRpcAnswersOnceTheRecordIsRemovingAndTheRestFollowsInTheBackground() throws Exception {
        host.saved(ID, ContainerState.RUNNING);
        host.exitFiles.exit(ID, 0);
        ContainerRemove remove = host.remove();

        remove.remove(ID);

        assertTrue(host.table.store().get(ID).map(ContainerRecord::removing).orElse(true), "removing, or gone");
        assertTrue(host.table.find(ID).isEmpty(), "no longer listed");
        remove.awaitBackground(10_000);
        assertEquals(List.of("rootfs.unmount", "images.unpin", "monitor.awaitExit", "monitor.release"), host.journal);
        assertEquals(List.of(), host.table.store().list());
        assertFalse(Files.exists(host.layout.container(ID).bundle()));
    }

    @Test
    void theAnswerComesOnceTheTeardownHoldsTheLockSoThatACreateOfTheSameNameWaitsForIt() throws Exception {
        for (int round = 0; round < 50; round++) {
            host.saved(ID, ContainerState.RUNNING);
            host.exitFiles.exit(ID, 0);
            ContainerRemove remove = host.remove();

            remove.remove(ID);

            java.util.concurrent.locks.ReentrantLock lock = host.table.lockOf(ID);
            boolean free = lock.tryLock();
            try {
                assertTrue(!free || host.table.store().get(ID).isEmpty(), "a removing record with nobody holding it");
            } finally {
                if (free) {
                    lock.unlock();
                }
            }
            remove.awaitBackground(10_000);
        }
    }
}
