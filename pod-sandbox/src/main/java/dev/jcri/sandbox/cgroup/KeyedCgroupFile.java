package dev.jcri.sandbox.cgroup;

import java.util.HashMap;
import java.util.Map;

/** A cgroup file of "key value" lines (memory.stat, cpu.stat, memory.events, memory.oom_control). */
public final class KeyedCgroupFile {
    private KeyedCgroupFile() {}

    /** Its numeric values by key; a line that is not "key number" is left out. */
    public static Map<String, Long> parse(String text) {
        Map<String, Long> values = new HashMap<>();
        for (String line : text.split("\n")) {
            int space = line.indexOf(' ');
            if (space > 0) {
                try {
                    values.put(
                            line.substring(0, space),
                            Long.parseLong(line.substring(space + 1).strip()));
                } catch (NumberFormatException e) {
                    // A line no reader uses.
                }
            }
        }
        return values;
    }
}
