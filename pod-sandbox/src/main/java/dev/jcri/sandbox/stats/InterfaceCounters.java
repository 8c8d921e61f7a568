package dev.jcri.sandbox.stats;

import java.util.ArrayList;
import java.util.List;

/** One network interface's counters, as /proc/net/dev gives them for the namespace that reads it. */
public record InterfaceCounters(String name, long rxBytes, long rxErrors, long txBytes, long txErrors) {

    /** Parses /proc/net/dev; the loopback is left out, as kubelet does for pod network stats. */
    public static List<InterfaceCounters> parse(String procNetDev) {
        List<InterfaceCounters> interfaces = new ArrayList<>();
        for (String line : procNetDev.split("\n")) {
            int colon = line.indexOf(':');
            if (colon < 0 || line.contains("|")) {
                continue;
            }
            String name = line.substring(0, colon).strip();
            String[] fields = line.substring(colon + 1).strip().split("\\s+");
            if (name.equals("lo") || fields.length < 11) {
                continue;
            }
            try {
                interfaces.add(new InterfaceCounters(
                        name,
                        Long.parseLong(fields[0]),
                        Long.parseLong(fields[2]),
                        Long.parseLong(fields[8]),
                        Long.parseLong(fields[10])));
            } catch (NumberFormatException e) {
                // A line in a format this parser does not know is skipped.
            }
        }
        return interfaces;
    }
}
