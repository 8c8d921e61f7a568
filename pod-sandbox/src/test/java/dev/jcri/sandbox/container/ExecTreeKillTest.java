package dev.jcri.sandbox.container;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ExecTreeKillTest {
    @Test
    void childrenAreKilledBeforeTheirParentsRoundByRound() {
        // 10 (sh) -> 11 (sleep), 12 (sh) -> 13 (sleep); 10's parent 1 is the runtime, outside the tree.
        Map<Long, Long> parents = new LinkedHashMap<>();
        parents.put(11L, 10L);
        parents.put(12L, 10L);
        parents.put(13L, 12L);
        parents.put(10L, 1L);
        Set<Long> killed = new HashSet<>();
        List<Long> first = ExecTreeKill.leavesFirst(parents, killed);
        assertEquals(List.of(11L, 13L), first);
        killed.addAll(first);
        List<Long> second = ExecTreeKill.leavesFirst(parents, killed);
        assertEquals(List.of(12L), second);
        killed.addAll(second);
        assertEquals(List.of(10L), ExecTreeKill.leavesFirst(parents, killed));
    }

    @Test
    void aZombieLeftByItsParentDoesNotHoldTheParentBack() {
        // 21 was killed last round but 20 did not reap it: 20 is next, 21 is not killed twice.
        Map<Long, Long> parents = new LinkedHashMap<>();
        parents.put(21L, 20L);
        parents.put(20L, 1L);
        assertEquals(List.of(20L), ExecTreeKill.leavesFirst(parents, new HashSet<>(Set.of(21L))));
    }

    @Test
    void aLoneCommandIsItsOwnRound() {
        assertEquals(List.of(30L), ExecTreeKill.leavesFirst(Map.of(30L, 1L), new HashSet<>()));
    }
}
