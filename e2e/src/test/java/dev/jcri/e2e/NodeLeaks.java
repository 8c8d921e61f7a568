package dev.jcri.e2e;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * What a daemon with no pods left should not hold any more: mounts under its state dir, namespace pins, cgroups
 * under its own parent, conmon processes naming its runroot, IP allocations, records, bundles, exit files,
 * runtime state and CNI cache entries. Each finding is one line naming the thing.
 */
public final class NodeLeaks {
    private NodeLeaks() {}

    public static List<String> of(JcriProcess jcri, TestNetwork network) throws IOException {
        List<String> leaks = new ArrayList<>();
        Path dir = jcri.dir().toRealPath();
        for (String mount : StateDirCleanup.mountsBelow(dir)) {
            leaks.add("mount " + mount);
        }
        for (String kind : List.of("net", "ipc", "uts", "pid")) {
            entries(dir.resolve("run/ns/" + kind)).forEach(p -> leaks.add("namespace pin " + p));
        }
        for (String held : List.of(
                "run/containers",
                "run/sandboxes",
                "run/exits",
                "run/runtimes/crun",
                "run/runtimes/runc",
                "root/sandboxes",
                "root/containers",
                "root/cni/results")) {
            entries(dir.resolve(held)).forEach(p -> leaks.add("left in " + held + ": " + p.getFileName()));
        }
        for (Path hierarchy : CgroupHierarchies.all()) {
            Path parent = hierarchy.resolve(JcriProcess.cgroupParent(dir).substring(1));
            for (Path child : entries(parent)) {
                if (Files.isDirectory(child, LinkOption.NOFOLLOW_LINKS)) {
                    leaks.add("cgroup " + child);
                }
            }
        }
        String runroot = dir.resolve("run").toString();
        for (Path proc : entries(Path.of("/proc"))) {
            if (!proc.getFileName().toString().chars().allMatch(Character::isDigit)) {
                continue;
            }
            try {
                String cmdline = new String(Files.readAllBytes(proc.resolve("cmdline")), StandardCharsets.UTF_8)
                        .replace('\0', ' ');
                if (cmdline.contains("conmon") && cmdline.contains(runroot + "/")) {
                    leaks.add("conmon pid " + proc.getFileName() + ": " + cmdline.strip());
                }
            } catch (IOException e) {
                // Ended meanwhile.
            }
        }
        if (network != null && network.allocations() > 0) {
            leaks.add(network.allocations() + " IP allocations");
        }
        return leaks;
    }

    private static List<Path> entries(Path dir) throws IOException {
        if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
            return List.of();
        }
        List<Path> entries = new ArrayList<>();
        try (DirectoryStream<Path> stream = Files.newDirectoryStream(dir)) {
            stream.forEach(entries::add);
        }
        return entries;
    }
}
