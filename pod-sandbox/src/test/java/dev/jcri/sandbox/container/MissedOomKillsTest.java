package dev.jcri.sandbox.container;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jcri.sandbox.container.spec.ContainerSpec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MissedOomKillsTest {
    private static final String ID = "a".repeat(64);
    private static final String SLICE = "kubepods-burstable-pod1.slice";
    /** Where systemd puts that slice, and the scope the runtime asks for in it. */
    private static final String POD_CGROUP = "kubepods.slice/kubepods-burstable.slice/" + SLICE;

    private static final String EVENTS_AFTER_ONE_KILL = "low 0\nhigh 0\nmax 12\noom 1\noom_kill 1\noom_group_kill 0\n";

    @TempDir
    Path root;

    private MissedOomKills kills(String parent) {
        return new MissedOomKills(
                root, id -> Optional.ofNullable(Map.of("pod", parent).get(id)));
    }

    private void events(String cgroup, long oomKills) throws IOException {
        Path dir = root.resolve(cgroup);
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("memory.events"), "low 0\nhigh 0\nmax 0\noom 0\noom_kill " + oomKills + "\n");
    }

    /** A container watched from a pod cgroup without kills, then one kill in the pod. */
    private MissedOomKills watchedThenPodKill() throws IOException {
        events(POD_CGROUP, 0);
        MissedOomKills kills = kills(SLICE);
        kills.watch(ID, "pod");
        events(POD_CGROUP, 1);
        return kills;
    }

    @Test
    void readsTheOomKillLineOfMemoryEvents() {
        assertEquals(1, MissedOomKills.oomKillCount(EVENTS_AFTER_ONE_KILL));
        assertEquals(0, MissedOomKills.oomKillCount("low 0\nhigh 0\n"));
        assertEquals(0, MissedOomKills.oomKillCount("oom_kill x\n"));
        assertEquals(-1, MissedOomKills.oomKills(root.resolve("gone")));
    }

    @Test
    void aSigkilledContainerWhoseScopeSystemdRemovedCountsItsPodsNewOomKill() throws IOException {
        events(POD_CGROUP, 2);
        MissedOomKills kills = kills(SLICE);
        kills.watch(ID, "pod");

        assertFalse(kills.missed(ID, 137), "no kill since the start");
        events(POD_CGROUP, 3);
        assertTrue(kills.missed(ID, 137));
        assertFalse(kills.missed(ID, 1), "an exit code of its own is no kill");
        assertFalse(kills.missed(ID, 143));
    }

    @Test
    void aContainerCgroupStillThereAnswersForItselfNotForItsPod() throws IOException {
        MissedOomKills kills = watchedThenPodKill();
        String scope = POD_CGROUP + "/jcri-" + ID + ".scope";

        events(scope, 0);
        assertFalse(kills.missed(ID, 137), "the pod's kill was another container's");
        events(scope, 1);
        assertTrue(kills.missed(ID, 137));
    }

    @Test
    void theCgroupfsDriversContainerCgroupIsReadUnderItsPath() throws IOException {
        events("kubepods/pod1", 0);
        MissedOomKills kills = kills("/kubepods/pod1");
        kills.watch(ID, "pod");
        events("kubepods/pod1/" + ID, 1);

        assertTrue(kills.missed(ID, 137));
    }

    @Test
    void aSigkillSentByJcriIsNoOomKill() throws IOException {
        MissedOomKills kills = watchedThenPodKill();

        kills.killing(ID);

        assertFalse(kills.missed(ID, 137));
    }

    @Test
    void withoutABaselineNothingIsGuessed() throws IOException {
        MissedOomKills kills = kills(SLICE);
        kills.watch(ID, "pod"); // the pod's cgroup has no memory.events
        events(POD_CGROUP, 1);
        assertFalse(kills.missed(ID, 137));

        events(POD_CGROUP, 0);
        kills.watch(ID, "pod");
        kills.forget(ID);
        events(POD_CGROUP, 1);
        assertFalse(kills.missed(ID, 137), "forgotten");

        MissedOomKills v1 = new MissedOomKills(null, id -> Optional.of(SLICE));
        v1.watch(ID, "pod");
        assertFalse(v1.missed(ID, 137), "a v1 or hybrid host");
        assertFalse(kills(SLICE).missed("b".repeat(64), 137), "never watched");
    }

    @Test
    void aMissedKillIsTheRecordedReasonAndAStopsSigkillIsNot() throws Exception {
        FakeHost host = new FakeHost(root.resolve("host"));
        Path pod = host.cgroupRoot.resolve("jcri");
        Files.createDirectories(pod);
        Files.writeString(pod.resolve("memory.events"), "oom_kill 0\n");
        List<ContainerRecord> started = new ArrayList<>();
        for (String name : List.of("hog", "sidecar")) {
            ContainerSpec spec =
                    ContainerSpec.builder(name).command(List.of("/bin/true")).build();
            started.add(host.start()
                    .start(host.create()
                            .create(FakeHost.POD, spec, FakeHost.IMAGE)
                            .id()));
        }
        Files.writeString(pod.resolve("memory.events"), EVENTS_AFTER_ONE_KILL);

        host.exitFiles.exit(started.get(0).id(), 137);
        host.runtime.deadlyWith.put("KILL", 137);
        host.stop().stop(started.get(1).id(), 0);

        assertEquals(
                "OOMKilled",
                host.table.current(started.get(0).id()).exit().orElseThrow().reason());
        assertEquals(
                "Error",
                host.table.current(started.get(1).id()).exit().orElseThrow().reason());
    }
}
