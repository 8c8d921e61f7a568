package dev.jcri.e2e.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/** What the benchmark reads about processes from /proc: command lines, memory, CPU time. */
final class ProcessTable {
    private static final Path PROC = Path.of("/proc");
    /** USER_HZ: /proc/<pid>/stat counts CPU time in these ticks (100 on every Linux build this runs on). */
    private static final long TICKS_PER_SECOND = 100;

    private ProcessTable() {}

    /** PIDs of the processes whose argv matches; processes that end meanwhile are skipped. */
    static List<Long> pidsWhoseCommandLine(Predicate<List<String>> matches) throws IOException {
        List<Long> pids = new ArrayList<>();
        try (Stream<Path> entries = Files.list(PROC)) {
            for (Path entry : entries.toList()) {
                String name = entry.getFileName().toString();
                if (!name.chars().allMatch(Character::isDigit)) {
                    continue;
                }
                List<String> argv = commandLine(Long.parseLong(name));
                if (!argv.isEmpty() && matches.test(argv)) {
                    pids.add(Long.parseLong(name));
                }
            }
        }
        return pids;
    }

    static List<String> commandLine(long pid) {
        try {
            byte[] raw = Files.readAllBytes(PROC.resolve(pid + "/cmdline"));
            if (raw.length == 0) {
                return List.of();
            }
            return Arrays.asList(new String(raw, StandardCharsets.UTF_8).split("\0"));
        } catch (IOException e) {
            return List.of();
        }
    }

    /** VmRSS in kB, 0 for a process that is gone. */
    static long vmRssKb(long pid) {
        return field(PROC.resolve(pid + "/status"), "VmRSS");
    }

    /** Proportional set size in kB (shared pages divided among their users), 0 for a process that is gone. */
    static long pssKb(long pid) {
        return field(PROC.resolve(pid + "/smaps_rollup"), "Pss");
    }

    /** User + system CPU time of the whole process (all threads), in nanoseconds. */
    static long cpuNanos(long pid) throws IOException {
        String stat = Files.readString(PROC.resolve(pid + "/stat"));
        // Fields after the command name, which is in parentheses and may hold spaces.
        String[] after = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        long ticks = Long.parseLong(after[11]) + Long.parseLong(after[12]);
        return ticks * (1_000_000_000L / TICKS_PER_SECOND);
    }

    private static long field(Path file, String name) {
        try {
            Matcher m = Pattern.compile("(?m)^" + name + ":\\s*(\\d+) kB").matcher(Files.readString(file));
            return m.find() ? Long.parseLong(m.group(1)) : 0;
        } catch (NoSuchFileException e) {
            return 0;
        } catch (IOException e) {
            return 0;
        }
    }
}
