package dev.jcri.e2e.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The comparison table: one row per measured thing, jcri and containerd side by side with the ratio
 * jcri / containerd; printed, and written as Markdown to {@code target/bench-compare.md}.
 */
final class Report {
    private final List<String> rows = new ArrayList<>();

    /** A timed row (median and p90 in ms), or a section heading when both samples are null. */
    void add(String what, Samples jcri, Samples containerd) {
        if (jcri == null) {
            rows.add("| **" + what + "** | | | |");
            return;
        }
        rows.add(String.format(
                "| %s | %.1f (%.1f) | %.1f (%.1f) | %s |",
                what,
                jcri.medianMillis(),
                jcri.p90Millis(),
                containerd.medianMillis(),
                containerd.p90Millis(),
                ratio(jcri.medianMillis(), containerd.medianMillis())));
        System.out.println(rows.getLast());
    }

    /** A row of single figures in {@code format}; NaN prints as a dash. */
    void single(String what, double jcri, double containerd, String format) {
        rows.add(String.format(
                "| %s | %s | %s | %s |",
                what, figure(jcri, format), figure(containerd, format), ratio(jcri, containerd)));
        System.out.println(rows.getLast());
    }

    private static String figure(double value, String format) {
        return Double.isNaN(value) ? "—" : String.format(format, value);
    }

    private static String ratio(double jcri, double containerd) {
        return Double.isNaN(jcri) || Double.isNaN(containerd) || containerd == 0
                ? "—"
                : String.format("%.2f", jcri / containerd);
    }

    void print() throws IOException {
        StringBuilder table = new StringBuilder();
        table.append("| what | jcri | containerd | jcri / containerd |\n|---|---|---|---|\n");
        rows.forEach(r -> table.append(r).append('\n'));
        System.out.println("\n" + table);
        Path out = Path.of("target/bench-compare.md");
        Files.createDirectories(out.getParent());
        Files.writeString(out, table);
    }
}
