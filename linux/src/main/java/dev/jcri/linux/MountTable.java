package dev.jcri.linux;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/** The calling process's mounts, from /proc/self/mountinfo, in mount order. */
public final class MountTable {
    /** @param optionalFields the propagation tags: {@code shared:N}, {@code master:N}, ... */
    public record Entry(Path mountPoint, List<String> optionalFields) {}

    private MountTable() {}

    public static List<Entry> read() throws IOException {
        String mountinfo;
        try (InputStream in = Files.newInputStream(Path.of("/proc/self/mountinfo"))) {
            mountinfo = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        return parse(List.of(mountinfo.split("\n")));
    }

    static List<Entry> parse(List<String> mountinfo) {
        List<Entry> entries = new ArrayList<>();
        for (String line : mountinfo) {
            int separator = line.indexOf(" - ");
            if (separator < 0) {
                continue;
            }
            String[] fields = line.substring(0, separator).split(" ");
            if (fields.length < 6) {
                continue;
            }
            entries.add(new Entry(Path.of(unescape(fields[4])), List.of(fields).subList(6, fields.length)));
        }
        return entries;
    }

    public static List<Path> mountPoints() throws IOException {
        return read().stream().map(Entry::mountPoint).toList();
    }

    /** Whether {@code path} or anything below it (whole components) is among {@code points}. */
    public static boolean anyAtOrBelow(List<Path> points, Path path) {
        return points.stream().anyMatch(p -> p.startsWith(path));
    }

    /** Mount points at or below {@code dir}, deepest first: the order to detach them in. */
    public static List<Path> pointsUnder(Path dir) throws IOException {
        Path base = dir.toAbsolutePath().normalize();
        return read().stream()
                .map(Entry::mountPoint)
                .filter(p -> p.startsWith(base))
                .distinct()
                .sorted(Comparator.comparingInt(Path::getNameCount).reversed())
                .toList();
    }

    /** mountinfo writes space, tab, newline and backslash as octal escapes. */
    static String unescape(String field) {
        if (field.indexOf('\\') < 0) {
            return field;
        }
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < field.length(); i++) {
            char c = field.charAt(i);
            if (c == '\\'
                    && i + 3 < field.length()
                    && field.substring(i + 1, i + 4).matches("[0-7]{3}")) {
                out.append((char) Integer.parseInt(field.substring(i + 1, i + 4), 8));
                i += 3;
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }
}
