package dev.jcri.sandbox.container;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

class ContainersTest {
    @Test
    void aPodsInfraContainerIsStoppedAndRemovedAfterItsOtherContainers() {
        // Records list in creation order, and RunPodSandbox creates the infra container before any other.
        ContainerRecord infra = record("1", FakeHost.POD, true);
        ContainerRecord app = record("2", FakeHost.POD, false);
        ContainerRecord sidecar = record("3", FakeHost.POD, false);
        ContainerRecord elsewhere = record("4", "e".repeat(64), false);

        assertEquals(
                List.of(app, sidecar, infra),
                Containers.membersInfraLast(List.of(infra, app, elsewhere, sidecar), FakeHost.POD));
    }

    private static ContainerRecord record(String digit, String sandboxId, boolean infra) {
        return ContainerRecord.creating(
                digit.repeat(64),
                infra ? "POD" : "app-" + digit,
                sandboxId,
                FakeHost.spec(),
                new ContainerRecord.ImageReference(FakeHost.IMAGE, "sha256:" + "c".repeat(64), List.of("layer")),
                1,
                "/dev/null",
                "runc",
                "SIGTERM",
                infra,
                List.of());
    }
}
