package dev.jcri.e2e.bench;

import java.util.Arrays;
import java.util.List;

/** Durations of one measured step over the runs, in nanoseconds; median and p90 by nearest rank. */
record Samples(long[] nanos) {
    static Samples of(long[] nanos) {
        return new Samples(nanos.clone());
    }

    /** Per run, the sum of the given steps. */
    static Samples ofSums(List<long[]> runs, int[] steps) {
        return new Samples(runs.stream()
                .mapToLong(run -> Arrays.stream(steps).mapToLong(s -> run[s]).sum())
                .toArray());
    }

    double medianMillis() {
        return percentile(0.5) / 1e6;
    }

    double p90Millis() {
        return percentile(0.9) / 1e6;
    }

    private long percentile(double p) {
        if (nanos.length == 0) {
            return 0;
        }
        long[] sorted = nanos.clone();
        Arrays.sort(sorted);
        int rank = (int) Math.ceil(p * sorted.length);
        return sorted[Math.max(0, rank - 1)];
    }
}
