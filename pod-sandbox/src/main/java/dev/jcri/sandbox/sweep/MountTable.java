package dev.jcri.sandbox.sweep;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** The mount points of jcri's own mount namespace, from {@code /proc/self/mountinfo}. */
final class MountTable {
    private MountTable() {}

    static List<Path> mountPoints() throws IOException {
        return parse(Files.readAllLines(Path.of("/proc/self/mountinfo")));
    }

    static List<Path> parse(List<String> mountinfo) {
        List<Path> points = new ArrayList<>();
        for (String line : mountinfo) {
            String[] fields = line.split(" ");
            if (fields.length > 4) {
                points.add(Path.of(unescape(fields[4])));
            }
        }
        return points;
    }

    /** Whether {@code path} or anything below it is a mount point. */
    static boolean anyAtOrBelow(List<Path> points, Path path) {
        return points.stream().anyMatch(p -> p.startsWith(path));
    }

    /** mountinfo escapes space, tab, newline and backslash as three octal digits. */
    static String unescape(String field) {
        if (field.indexOf('\\') < 0) {
            return field;
        }
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < field.length(); i++) {
            char c = field.charAt(i);
            if (c == '\\' && i + 3 < field.length()) {
                out.append((char) Integer.parseInt(field.substring(i + 1, i + 4), 8));
                i += 3;
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }
}
