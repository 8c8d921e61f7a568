package dev.jcri.cni;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

/** A temp bin dir of shell-script plugins, so chain logic is tested without root or real plugins. */
final class FakePluginDir {
    private final Path dir;

    FakePluginDir(Path dir) {
        this.dir = dir;
    }

    Path dir() {
        return dir;
    }

    /** An executable that does nothing (enough for config discovery, which only looks for the file). */
    FakePluginDir empty(String type) {
        return script(type, "exit 0\n");
    }

    FakePluginDir script(String type, String body) {
        Path file = dir.resolve(type);
        try {
            Files.writeString(file, "#!/bin/sh\n" + body);
            Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwxr-xr-x"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return this;
    }

    /**
     * A plugin that appends "type COMMAND" to {@code log}, saves its stdin and env per command, and prints
     * {@code addResult} on ADD.
     */
    FakePluginDir recording(String type, Path log, String addResult) {
        return script(type, """
                cat > "%1$s/%2$s.$CNI_COMMAND.stdin"
                env | grep '^CNI_' | sort > "%1$s/%2$s.$CNI_COMMAND.env"
                echo "%2$s $CNI_COMMAND" >> "%3$s"
                if [ "$CNI_COMMAND" = ADD ]; then
                  cat <<'RESULT'
                %4$s
                RESULT
                fi
                exit 0
                """.formatted(dir, type, log, addResult));
    }

    /** A plugin whose {@code command} fails with a CNI error JSON, and that succeeds on everything else. */
    FakePluginDir failing(String type, String command, Path log, int code, String msg, String details) {
        return script(type, """
                cat > /dev/null
                echo "%1$s $CNI_COMMAND" >> "%2$s"
                if [ "$CNI_COMMAND" = %3$s ]; then
                  echo 'some diagnostics' >&2
                  printf '{"cniVersion":"1.0.0","code":%4$d,"msg":"%5$s","details":"%6$s"}'
                  exit 1
                fi
                exit 0
                """.formatted(type, log, command, code, msg, details));
    }

    String stdinOf(String type, CniCommand command) throws IOException {
        return Files.readString(dir.resolve(type + "." + command + ".stdin"));
    }

    String envOf(String type, CniCommand command) throws IOException {
        return Files.readString(dir.resolve(type + "." + command + ".env"));
    }
}
