package dev.jcri.sandbox.stats;

import dev.jcri.sandbox.cgroup.CgroupLayout;
import dev.jcri.sandbox.cgroup.CgroupParent;
import dev.jcri.sandbox.cgroup.KeyedCgroupFile;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Map;

/**
 * Reads a cgroup's usage from cgroupfs, v1 or v2 behind one interface. Each file is read once per call; a file that
 * is missing (a container that just exited, a controller the host lacks) gives unknown values, never an error.
 */
public interface CgroupUsageReader {

    /** @param cgroupPath the cgroup as the OCI spec names it, e.g. {@code /kubepods/pod1/<container-id>} */
    CgroupUsage read(String cgroupPath);

    /** The reader for the host's layout: v2 on a unified host, v1 otherwise (hybrid hosts keep their v1 controllers). */
    static CgroupUsageReader forLayout(CgroupLayout layout) {
        if (layout.kind() == CgroupLayout.Kind.UNIFIED) {
            return new V2(layout.v2Mount().orElseThrow());
        }
        return new V1(layout.v1Hierarchies());
    }

    /** cgroup v1: cpuacct, memory and pids are separate hierarchies. */
    record V1(Map<String, Path> hierarchies) implements CgroupUsageReader {
        @Override
        public CgroupUsage read(String cgroupPath) {
            Path cpu = dir("cpuacct", cgroupPath);
            Path memory = dir("memory", cgroupPath);
            Path pids = dir("pids", cgroupPath);
            long usage = number(memory, "memory.usage_in_bytes");
            Map<String, Long> stat = keyed(memory, "memory.stat");
            long limit = number(memory, "memory.limit_in_bytes");
            // v1 reports "no limit" as a huge page-rounded number.
            if (limit >= Long.MAX_VALUE / 2) {
                limit = CgroupUsage.UNKNOWN;
            }
            Map<String, Long> oom = keyed(memory, "memory.oom_control");
            return new CgroupUsage(
                    number(cpu, "cpuacct.usage"),
                    usage,
                    CgroupUsage.workingSet(usage, stat.getOrDefault("total_inactive_file", CgroupUsage.UNKNOWN)),
                    stat.getOrDefault("total_rss", CgroupUsage.UNKNOWN),
                    stat.getOrDefault("total_pgfault", CgroupUsage.UNKNOWN),
                    stat.getOrDefault("total_pgmajfault", CgroupUsage.UNKNOWN),
                    limit,
                    number(pids, "pids.current"),
                    oom.getOrDefault("oom_kill", CgroupUsage.UNKNOWN));
        }

        private Path dir(String controller, String cgroupPath) {
            Path root = hierarchies.get(controller);
            return root == null ? null : root.resolve(cgroupPath.substring(1));
        }
    }

    /** cgroup v2: one tree; CPU time in microseconds, memory.max "max" when unlimited. */
    record V2(Path mount) implements CgroupUsageReader {
        @Override
        public CgroupUsage read(String cgroupPath) {
            // A systemd scope's processes may sit in a child of it (crun's "container"), where its limits are too.
            Path dir = CgroupParent.processCgroup(mount.resolve(cgroupPath.substring(1)));
            Map<String, Long> cpu = keyed(dir, "cpu.stat");
            long usec = cpu.getOrDefault("usage_usec", CgroupUsage.UNKNOWN);
            long usage = number(dir, "memory.current");
            Map<String, Long> stat = keyed(dir, "memory.stat");
            Map<String, Long> events = keyed(dir, "memory.events");
            return new CgroupUsage(
                    usec == CgroupUsage.UNKNOWN ? usec : usec * 1000,
                    usage,
                    CgroupUsage.workingSet(usage, stat.getOrDefault("inactive_file", CgroupUsage.UNKNOWN)),
                    stat.getOrDefault("anon", CgroupUsage.UNKNOWN),
                    stat.getOrDefault("pgfault", CgroupUsage.UNKNOWN),
                    stat.getOrDefault("pgmajfault", CgroupUsage.UNKNOWN),
                    number(dir, "memory.max"),
                    number(dir, "pids.current"),
                    events.getOrDefault("oom_kill", CgroupUsage.UNKNOWN),
                    Pressure.parse(CgroupUsageReader.read(dir, "cpu.pressure")),
                    Pressure.parse(CgroupUsageReader.read(dir, "memory.pressure")),
                    Pressure.parse(CgroupUsageReader.read(dir, "io.pressure")));
        }
    }

    /** A file holding one number; "max" and anything unreadable are unknown. */
    private static long number(Path dir, String file) {
        String text = read(dir, file);
        if (text == null) {
            return CgroupUsage.UNKNOWN;
        }
        try {
            return Long.parseLong(text.strip());
        } catch (NumberFormatException e) {
            return CgroupUsage.UNKNOWN;
        }
    }

    /** A file of "key value" lines (memory.stat, cpu.stat, memory.events); empty when it is not there. */
    private static Map<String, Long> keyed(Path dir, String file) {
        String text = read(dir, file);
        return text == null ? Map.of() : KeyedCgroupFile.parse(text);
    }

    /**
     * cgroupfs files report a size that is not their content's, so they are read to their end, bounded (memory.stat
     * is the largest, a few KiB).
     */
    private static String read(Path dir, String file) {
        if (dir == null) {
            return null;
        }
        try (InputStream in = Files.newInputStream(dir.resolve(file))) {
            return new String(in.readNBytes(64 * 1024), StandardCharsets.US_ASCII);
        } catch (NoSuchFileException e) {
            return null;
        } catch (IOException e) {
            return null;
        }
    }
}
