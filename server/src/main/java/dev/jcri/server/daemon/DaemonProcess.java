package dev.jcri.server.daemon;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** Facts about the jcri process itself that the containers it starts depend on. */
final class DaemonProcess {
    private DaemonProcess() {}

    /**
     * The daemon's own oom_score_adj: without CAP_SYS_RESOURCE a container may not go below it, so requests are
     * clamped to it (containerd's restrict_oom_score_adj).
     */
    static int oomScoreAdj() {
        // Not Files.readString: /proc files report size 0, and a short first read loses the rest.
        try (InputStream in = Files.newInputStream(Path.of("/proc/self/oom_score_adj"))) {
            return Integer.parseInt(new String(in.readNBytes(64), StandardCharsets.US_ASCII).strip());
        } catch (IOException | NumberFormatException e) {
            return 0;
        }
    }
}
