package dev.jcri.sandbox.cgroup;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * How the host mounts cgroups: unified (v2 only), legacy (v1 only) or hybrid (v1 controllers plus a v2 tree),
 * read from mountinfo.
 *
 * @param v1Hierarchies mount point of each v1 controller (also named hierarchies such as {@code name=systemd})
 * @param v2Mount where the v2 tree is mounted, if anywhere
 * @param v2Controllers controllers attached to the v2 tree
 */
public record CgroupLayout(
        Kind kind, Map<String, Path> v1Hierarchies, Optional<Path> v2Mount, Set<String> v2Controllers) {

    public enum Kind {
        UNIFIED,
        LEGACY,
        HYBRID,
        NONE
    }

    public static CgroupLayout ofHost() throws IOException {
        List<String> mountinfo = Files.readAllLines(Path.of("/proc/self/mountinfo"));
        Set<String> controllers = Set.of();
        CgroupLayout parsed = parse(mountinfo, controllers);
        if (parsed.v2Mount.isPresent()) {
            Path file = parsed.v2Mount.get().resolve("cgroup.controllers");
            if (Files.isReadable(file)) {
                controllers =
                        new TreeSet<>(List.of(Files.readString(file).strip().split("\\s+")));
                controllers.remove("");
            }
        }
        return parse(mountinfo, controllers);
    }

    /** Parses mountinfo lines; {@code v2Controllers} is what the v2 tree's cgroup.controllers lists. */
    public static CgroupLayout parse(List<String> mountinfo, Set<String> v2Controllers) {
        Map<String, Path> v1 = new LinkedHashMap<>();
        Path v2 = null;
        for (String line : mountinfo) {
            int separator = line.indexOf(" - ");
            if (separator < 0) {
                continue;
            }
            String[] before = line.substring(0, separator).split(" ");
            String[] after = line.substring(separator + 3).split(" ");
            if (before.length < 5 || after.length < 3) {
                continue;
            }
            Path mountPoint = Path.of(unescape(before[4]));
            switch (after[0]) {
                case "cgroup2" -> {
                    if (v2 == null || mountPoint.equals(Path.of("/sys/fs/cgroup"))) {
                        v2 = mountPoint;
                    }
                }
                case "cgroup" -> {
                    for (String option : after[2].split(",")) {
                        if (isController(option)) {
                            v1.putIfAbsent(option, mountPoint);
                        }
                    }
                }
                default -> {}
            }
        }
        Kind kind;
        if (v1.isEmpty()) {
            kind = v2 == null ? Kind.NONE : Kind.UNIFIED;
        } else {
            kind = v2 == null ? Kind.LEGACY : Kind.HYBRID;
        }
        return new CgroupLayout(kind, Map.copyOf(v1), Optional.ofNullable(v2), Set.copyOf(v2Controllers));
    }

    /**
     * Controllers that sit in the v2 tree of a hybrid host. crun refuses to run containers on a hybrid host while
     * any controller is attached to the v2 tree, so jcri mounts each of them as a v1 hierarchy instead.
     */
    public List<String> controllersBlockingHybrid() {
        if (kind != Kind.HYBRID) {
            return List.of();
        }
        List<String> blocking = new ArrayList<>();
        for (String controller : v2Controllers) {
            if (!v1Hierarchies.containsKey(controller)) {
                blocking.add(controller);
            }
        }
        return blocking;
    }

    private static boolean isController(String option) {
        return !option.equals("rw")
                && !option.equals("ro")
                && !option.startsWith("relatime")
                && !option.equals("nosuid")
                && !option.equals("nodev")
                && !option.equals("noexec")
                && !option.startsWith("release_agent")
                && !option.equals("clone_children")
                && !option.equals("noprefix")
                && !option.equals("xattr")
                && !option.equals("cpuset_v2_mode")
                && !option.equals("favordynmods")
                && !option.equals("nsdelegate")
                && !option.equals("memory_recursiveprot");
    }

    /** mountinfo escapes space, tab, newline and backslash as octal. */
    private static String unescape(String field) {
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
