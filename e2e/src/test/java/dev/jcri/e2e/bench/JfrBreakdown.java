package dev.jcri.e2e.bench;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordingFile;

/**
 * Where jcri's RPCs spend their time, from a JFR recording of the daemon: each {@code dev.jcri.Rpc} event (one
 * handler) gets the fsyncs ({@code jdk.FileForce}), process starts ({@code jdk.ProcessStart}), waits
 * ({@code jdk.ThreadPark} over its threshold) and crash-safe steps ({@code dev.jcri.Step}) that its thread
 * recorded inside it; prints per RPC the median duration, what it did per call, and the median time from one step
 * to the next.
 */
final class JfrBreakdown {
    private JfrBreakdown() {}

    private record Rpc(String request, long thread, Instant start, Instant end, List<RecordedEvent> inside) {
        boolean holds(RecordedEvent e) {
            return threadOf(e) == thread
                    && !e.getStartTime().isBefore(start)
                    && !e.getStartTime().isAfter(end);
        }
    }

    static void print(Path recording) throws IOException {
        List<RecordedEvent> events = RecordingFile.readAllEvents(recording);
        List<Rpc> rpcs = new ArrayList<>();
        for (RecordedEvent e : events) {
            if (e.getEventType().getName().equals("dev.jcri.Rpc")) {
                rpcs.add(new Rpc(
                        e.getString("request"), threadOf(e), e.getStartTime(), e.getEndTime(), new ArrayList<>()));
            }
        }
        rpcs.sort((a, b) -> a.start().compareTo(b.start()));
        for (RecordedEvent e : events) {
            if (e.getEventType().getName().equals("dev.jcri.Rpc")) {
                continue;
            }
            for (Rpc rpc : rpcs) {
                if (rpc.holds(e)) {
                    rpc.inside().add(e);
                    break;
                }
            }
        }
        // A recording's events come per thread buffer, not in time order.
        rpcs.forEach(r -> r.inside().sort((a, b) -> a.getStartTime().compareTo(b.getStartTime())));
        Map<String, List<Rpc>> byRequest = new TreeMap<>();
        rpcs.forEach(r ->
                byRequest.computeIfAbsent(r.request(), k -> new ArrayList<>()).add(r));
        System.out.printf("JFR breakdown of %s (%d RPCs)%n", recording, rpcs.size());
        for (Map.Entry<String, List<Rpc>> entry : byRequest.entrySet()) {
            List<Rpc> calls = entry.getValue();
            int n = calls.size();
            double fsyncs = count(calls, "jdk.FileForce") / (double) n;
            double fsyncMillis = millis(calls, "jdk.FileForce") / n;
            double spawns = count(calls, "jdk.ProcessStart") / (double) n;
            double parkMillis = millis(calls, "jdk.ThreadPark") / n;
            System.out.printf(
                    "  %-28s %4d calls, median %7.2f ms; per call: %.1f fsyncs (%.1f ms), %.1f process starts,"
                            + " %.1f ms parked%n",
                    entry.getKey().replace("Request", ""),
                    n,
                    median(calls.stream()
                            .mapToLong(r -> Duration.between(r.start(), r.end()).toNanos())
                            .toArray()),
                    fsyncs,
                    fsyncMillis,
                    spawns,
                    parkMillis);
            Map<String, Integer> commands = new TreeMap<>();
            for (Rpc r : calls) {
                for (RecordedEvent e : r.inside()) {
                    if (e.getEventType().getName().equals("jdk.ProcessStart")) {
                        commands.merge(commandName(e.getString("command")), 1, Integer::sum);
                    }
                }
            }
            if (!commands.isEmpty()) {
                StringBuilder line = new StringBuilder("      processes per call:");
                commands.forEach((c, k) -> line.append(String.format(" %s %.1f", c, k / (double) n)));
                System.out.println(line);
            }
            printSteps(calls);
        }
    }

    /** Median time from the RPC's start to its first step, between steps, and from the last step to its end. */
    private static void printSteps(List<Rpc> calls) {
        Map<String, List<Long>> segments = new TreeMap<>();
        Map<String, Integer> order = new TreeMap<>();
        for (Rpc r : calls) {
            String previous = "start";
            Instant at = r.start();
            int index = 0;
            for (RecordedEvent e : r.inside()) {
                if (!e.getEventType().getName().equals("dev.jcri.Step")) {
                    continue;
                }
                String step = e.getString("step");
                String segment = previous + " -> " + step;
                segments.computeIfAbsent(segment, k -> new ArrayList<>())
                        .add(Duration.between(at, e.getStartTime()).toNanos());
                order.putIfAbsent(segment, index++);
                previous = step;
                at = e.getStartTime();
            }
            if (!previous.equals("start")) {
                String segment = previous + " -> end";
                segments.computeIfAbsent(segment, k -> new ArrayList<>())
                        .add(Duration.between(at, r.end()).toNanos());
                order.putIfAbsent(segment, 100);
            }
        }
        segments.entrySet().stream()
                .sorted((a, b) -> Integer.compare(order.get(a.getKey()), order.get(b.getKey())))
                .forEach(s -> System.out.printf(
                        "      %-62s median %6.2f ms%n",
                        s.getKey(),
                        median(s.getValue().stream().mapToLong(Long::longValue).toArray())));
    }

    private static long count(List<Rpc> calls, String type) {
        return calls.stream()
                .flatMap(r -> r.inside().stream())
                .filter(e -> e.getEventType().getName().equals(type))
                .count();
    }

    private static double millis(List<Rpc> calls, String type) {
        return calls.stream()
                        .flatMap(r -> r.inside().stream())
                        .filter(e -> e.getEventType().getName().equals(type))
                        .mapToLong(e -> e.getDuration().toNanos())
                        .sum()
                / 1e6;
    }

    private static double median(long[] nanos) {
        if (nanos.length == 0) {
            return 0;
        }
        long[] sorted = nanos.clone();
        Arrays.sort(sorted);
        return sorted[(sorted.length - 1) / 2] / 1e6;
    }

    private static String commandName(String command) {
        String first = command.split(" ", 2)[0];
        return first.substring(first.lastIndexOf('/') + 1);
    }

    private static long threadOf(RecordedEvent e) {
        return e.getThread() == null ? -1 : e.getThread().getJavaThreadId();
    }
}
