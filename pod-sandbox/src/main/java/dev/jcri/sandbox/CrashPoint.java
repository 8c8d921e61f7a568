package dev.jcri.sandbox;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Named steps of the create, stop and remove paths, where a test can make jcri die as if killed -9, or pause.
 * Off unless the environment says otherwise:
 *
 * <ul>
 *   <li>{@code JCRI_CRASH_AT=<step>}: the process halts (exit 137, no shutdown hooks, nothing flushed or
 *       undone) the first time it reaches that step, as a crash or an OOM kill would leave it.
 *   <li>{@code JCRI_CRASH_WHEN=<file>}: with {@code JCRI_CRASH_AT}, only while that file exists; a test arms
 *       the daemon it restarts for the next step, and fires it only once it set up what that step needs.
 *   <li>{@code JCRI_DELAY_AT=<step>:<millis>[,<step>:<millis>...]}: each time a step is reached it sleeps, for
 *       tests of client deadlines that expire in the middle of an operation.
 * </ul>
 *
 * An unknown step name fails startup, so a test cannot arm a point that no longer exists. With neither variable
 * set, {@link #reached} is a test of a constant.
 */
public final class CrashPoint {
    /** Every named step, in the order an object lives through them. */
    public enum Step {
        SANDBOX_NAME_RESERVED,
        SANDBOX_CREATING_SAVED,
        SANDBOX_SHM_MOUNTED,
        SANDBOX_NAMESPACES_PINNED,
        SANDBOX_CNI_ADDED,
        SANDBOX_READY_SAVED,
        SANDBOX_STOP_CONTAINERS_STOPPED,
        SANDBOX_CNI_DELETED,
        SANDBOX_NETNS_UNPINNED,
        SANDBOX_REMOVING_SAVED,
        SANDBOX_REMOVE_CONTAINERS_REMOVED,
        SANDBOX_REMOVE_UNPINNED,
        CONTAINER_NAME_RESERVED,
        CONTAINER_CREATING_SAVED,
        CONTAINER_ROOTFS_MOUNTED,
        CONTAINER_BUNDLE_WRITTEN,
        CONTAINER_CONMON_STARTED,
        CONTAINER_CREATED_SAVED,
        CONTAINER_EXEC_FIFO_WRITTEN,
        CONTAINER_STARTED,
        CONTAINER_RUNNING_SAVED,
        CONTAINER_STOP_SIGNALLED,
        CONTAINER_REMOVING_SAVED,
        CONTAINER_RUNTIME_DELETED,
        CONTAINER_ROOTFS_UNMOUNTED,
        CONTAINER_BUNDLE_DELETED;

        /** The name tests use: {@code sandbox-cni-added} for SANDBOX_CNI_ADDED. */
        public String stepName() {
            return name().toLowerCase().replace('_', '-');
        }
    }

    private static final Step CRASH_AT = parseStep(System.getenv("JCRI_CRASH_AT"));
    private static final Path CRASH_WHEN =
            System.getenv("JCRI_CRASH_WHEN") == null ? null : Path.of(System.getenv("JCRI_CRASH_WHEN"));
    private static final Map<Step, Long> DELAYS = parseDelays(System.getenv("JCRI_DELAY_AT"));
    private static final boolean ARMED = CRASH_AT != null || !DELAYS.isEmpty();

    private CrashPoint() {}

    /** The step is done; dies or pauses here if a test asked for it. */
    public static void reached(Step step) {
        StepEvent.mark(step);
        if (!ARMED) {
            return;
        }
        if (step == CRASH_AT && (CRASH_WHEN == null || Files.exists(CRASH_WHEN))) {
            // Straight to stderr: the logger's buffers die with the process, as in a real crash.
            System.err.println("jcri: crash point " + step.stepName() + " reached, halting");
            System.err.flush();
            Runtime.getRuntime().halt(137);
        }
        Long delay = DELAYS.get(step);
        if (delay != null) {
            try {
                Thread.sleep(delay);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** Whether a test armed any point: startup logs it, so that no production node runs with one by mistake. */
    public static String armedDescription() {
        if (!ARMED) {
            return "";
        }
        return "crash_at=" + (CRASH_AT == null ? "none" : CRASH_AT.stepName())
                + (CRASH_WHEN == null ? "" : " crash_when=" + CRASH_WHEN) + " delays="
                + DELAYS.entrySet().stream()
                        .map(e -> e.getKey().stepName() + ":" + e.getValue())
                        .collect(Collectors.joining(","));
    }

    static Step parseStep(String name) {
        if (name == null || name.isBlank()) {
            return null;
        }
        for (Step step : Step.values()) {
            if (step.stepName().equals(name.strip())) {
                return step;
            }
        }
        throw new IllegalArgumentException("unknown crash point \"" + name + "\"; known: " + names());
    }

    static Map<Step, Long> parseDelays(String spec) {
        Map<Step, Long> delays = new HashMap<>();
        if (spec == null || spec.isBlank()) {
            return Map.of();
        }
        for (String entry : spec.split(",")) {
            int colon = entry.lastIndexOf(':');
            if (colon < 0) {
                throw new IllegalArgumentException("JCRI_DELAY_AT entry \"" + entry + "\" is not <step>:<millis>");
            }
            delays.put(
                    parseStep(entry.substring(0, colon)),
                    Long.parseLong(entry.substring(colon + 1).strip()));
        }
        return Map.copyOf(delays);
    }

    private static Set<String> names() {
        return Arrays.stream(Step.values())
                .map(Step::stepName)
                .collect(Collectors.toCollection(java.util.TreeSet::new));
    }
}
