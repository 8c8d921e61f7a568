package dev.jcri.sandbox.stats;

import java.util.Optional;

/**
 * Pressure stall information of one resource in one cgroup (cgroup v2's {@code cpu.pressure},
 * {@code memory.pressure}, {@code io.pressure}): the share of time some or all of its tasks waited for it.
 * Absent on cgroup v1 and on kernels without PSI.
 */
public record Pressure(Optional<Stall> some, Optional<Stall> full) {
    public static final Pressure NONE = new Pressure(Optional.empty(), Optional.empty());

    /**
     * @param totalMicros time stalled since the cgroup was made, in microseconds
     * @param avg10 percentage of the last 10 s (the kernel's running average), likewise avg60 and avg300
     */
    public record Stall(long totalMicros, double avg10, double avg60, double avg300) {}

    public boolean known() {
        return some.isPresent() || full.isPresent();
    }

    /**
     * Parses a pressure file: lines {@code some avg10=0.00 avg60=0.00 avg300=0.00 total=0}, then {@code full ...}
     * (cpu.pressure lacked {@code full} before Linux 5.13). Unreadable lines are left out.
     */
    public static Pressure parse(String text) {
        if (text == null) {
            return NONE;
        }
        Optional<Stall> some = Optional.empty();
        Optional<Stall> full = Optional.empty();
        for (String line : text.split("\n")) {
            String[] fields = line.strip().split("\\s+");
            if (fields.length < 5) {
                continue;
            }
            Optional<Stall> stall = stall(fields);
            switch (fields[0]) {
                case "some" -> some = stall;
                case "full" -> full = stall;
                default -> {}
            }
        }
        return new Pressure(some, full);
    }

    private static Optional<Stall> stall(String[] fields) {
        double avg10 = -1;
        double avg60 = -1;
        double avg300 = -1;
        long total = -1;
        try {
            for (int i = 1; i < fields.length; i++) {
                int eq = fields[i].indexOf('=');
                if (eq < 0) {
                    continue;
                }
                String value = fields[i].substring(eq + 1);
                switch (fields[i].substring(0, eq)) {
                    case "avg10" -> avg10 = Double.parseDouble(value);
                    case "avg60" -> avg60 = Double.parseDouble(value);
                    case "avg300" -> avg300 = Double.parseDouble(value);
                    case "total" -> total = Long.parseLong(value);
                    default -> {}
                }
            }
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
        if (avg10 < 0 || avg60 < 0 || avg300 < 0 || total < 0) {
            return Optional.empty();
        }
        return Optional.of(new Stall(total, avg10, avg60, avg300));
    }
}
