package dev.jcri.sandbox.sweep;

import dev.jcri.sandbox.ObjectId;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The conmon processes of one jcri: those whose command line names this jcri's own bundle dir ({@code -b
 * <bundles>/<id>}, with {@code -c <id>}) and exit dir. A conmon of another runtime, or of another jcri with
 * other state dirs, never matches.
 */
final class ConmonProcesses {
    /** One conmon and the container it watches. */
    record Found(long pid, String containerId) {}

    private ConmonProcesses() {}

    static List<Found> of(Path bundlesDir, Path exitDir) throws IOException {
        List<Found> found = new ArrayList<>();
        try (DirectoryStream<Path> procs = Files.newDirectoryStream(Path.of("/proc"), "[0-9]*")) {
            for (Path proc : procs) {
                byte[] cmdline;
                try {
                    cmdline = Files.readAllBytes(proc.resolve("cmdline"));
                } catch (IOException e) {
                    continue;
                }
                match(argv(cmdline), bundlesDir, exitDir)
                        .ifPresent(id -> found.add(
                                new Found(Long.parseLong(proc.getFileName().toString()), id)));
            }
        }
        return found;
    }

    static List<String> argv(byte[] cmdline) {
        List<String> args = new ArrayList<>();
        int start = 0;
        for (int i = 0; i < cmdline.length; i++) {
            if (cmdline[i] == 0) {
                args.add(new String(cmdline, start, i - start, StandardCharsets.UTF_8));
                start = i + 1;
            }
        }
        if (start < cmdline.length) {
            args.add(new String(cmdline, start, cmdline.length - start, StandardCharsets.UTF_8));
        }
        return args;
    }

    /** The container ID when {@code argv} is a conmon of these dirs. */
    static Optional<String> match(List<String> argv, Path bundlesDir, Path exitDir) {
        // The program's name, taken as text: any process's argv[0] may be "/", "" or no path at all.
        String program = argv.isEmpty() ? "" : argv.getFirst();
        if (!program.substring(program.lastIndexOf('/') + 1).contains("conmon")) {
            return Optional.empty();
        }
        String bundle = valueOf(argv, "-b");
        String id = valueOf(argv, "-c");
        String exits = valueOf(argv, "--exit-dir");
        if (bundle == null
                || id == null
                || exits == null
                || !ObjectId.isValid(id)
                || !Path.of(bundle).normalize().equals(bundlesDir.normalize().resolve(id))
                || !Path.of(exits).normalize().equals(exitDir.normalize())) {
            return Optional.empty();
        }
        return Optional.of(id);
    }

    private static String valueOf(List<String> argv, String flag) {
        for (int i = 1; i + 1 < argv.size(); i++) {
            if (argv.get(i).equals(flag)) {
                return argv.get(i + 1);
            }
        }
        return null;
    }
}
