package dev.jcri.e2e.bench;

import dev.jcri.e2e.JcriProcess;
import dev.jcri.e2e.Release;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * Start-up and footprint of the release ({@code make dist}: jlinked runtime, AOT cache) against the checkout's
 * {@code bin/jcri} (the fat jar on the build JDK), started in turn {@code jcri.bench.runs} times each (default 5):
 * from exec to the socket answering Version, and the daemon's resident memory after {@code jcri.bench.idle} seconds
 * idle (default 5), with its anonymous and file-backed parts (the AOT cache is a mapped file, shared and clean).
 * Prints min, median and max; never fails on time. Targets of issue 15: archive <= 60 MB, start <= 0.7 s, RSS <= 90 MB.
 */
@EnabledIfSystemProperty(named = "jcri.bench", matches = "true")
class ReleaseBenchmark {
    private static final int RUNS = Integer.getInteger("jcri.bench.runs", 5);
    private static final int IDLE_SECONDS = Integer.getInteger("jcri.bench.idle", 5);
    private static final Path REPO =
            Path.of(System.getProperty("jcri.repo", "..")).toAbsolutePath().normalize();

    @Test
    void releaseAgainstFatJar() throws Exception {
        Path archive = Release.archive();
        Path unpacked = Files.createTempDirectory("jcri-release-bench-");
        try {
            Path release = Release.extract(archive, unpacked);
            System.out.printf(
                    "release benchmark: archive %s %.1f MB; %d runs each, RSS after %d s idle%n",
                    archive.getFileName(), Files.size(archive) / 1e6, RUNS, IDLE_SECONDS);
            Map<String, List<String>> launchers = new LinkedHashMap<>();
            launchers.put("fat jar (bin/jcri)", List.of(REPO.resolve("bin/jcri").toString()));
            launchers.put("release (bin/jcri)", Release.launcher(release));
            Map<String, List<Sample>> samples = new LinkedHashMap<>();
            launchers.keySet().forEach(name -> samples.put(name, new ArrayList<>()));
            // One warm-up of each (page cache), then alternate, so drift of a shared machine hits both alike.
            for (var launcher : launchers.entrySet()) {
                measure(launcher.getValue());
            }
            for (int i = 0; i < RUNS; i++) {
                for (var launcher : launchers.entrySet()) {
                    samples.get(launcher.getKey()).add(measure(launcher.getValue()));
                }
            }
            samples.forEach(ReleaseBenchmark::print);
        } finally {
            Release.delete(unpacked);
        }
    }

    private record Sample(double startSeconds, double rssMb, double anonMb, double fileMb) {}

    private static Sample measure(List<String> launcher) throws Exception {
        Path dir = JcriProcess.newStateDir();
        long start = System.nanoTime();
        try (JcriProcess jcri = JcriProcess.start(launcher, dir, List.of("--log-level", "info"), Map.of())) {
            double seconds = (System.nanoTime() - start) / 1e9;
            Thread.sleep(IDLE_SECONDS * 1000L);
            Map<String, Double> status = status(jcri.process().pid());
            return new Sample(
                    seconds,
                    status.get("VmRSS"),
                    status.get("RssAnon"),
                    status.get("RssFile") + status.getOrDefault("RssShmem", 0.0));
        }
    }

    /** The kB figures of /proc/PID/status, in MB. */
    private static Map<String, Double> status(long pid) throws IOException {
        Map<String, Double> values = new LinkedHashMap<>();
        for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
            String[] parts = line.split(":\\s+");
            if (parts.length == 2 && parts[1].endsWith(" kB")) {
                values.put(parts[0], Long.parseLong(parts[1].replace(" kB", "").strip()) / 1024.0);
            }
        }
        return values;
    }

    private static void print(String name, List<Sample> samples) {
        System.out.printf(
                "%-20s start to Version %s s | RSS %s MB (anon %s, file %s)%n",
                name,
                spread(samples.stream().mapToDouble(Sample::startSeconds).toArray(), "%.2f"),
                spread(samples.stream().mapToDouble(Sample::rssMb).toArray(), "%.0f"),
                spread(samples.stream().mapToDouble(Sample::anonMb).toArray(), "%.0f"),
                spread(samples.stream().mapToDouble(Sample::fileMb).toArray(), "%.0f"));
    }

    /** median [min..max] */
    private static String spread(double[] values, String format) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        return String.format(
                format + " [" + format + ".." + format + "]",
                sorted[sorted.length / 2],
                sorted[0],
                sorted[sorted.length - 1]);
    }
}
