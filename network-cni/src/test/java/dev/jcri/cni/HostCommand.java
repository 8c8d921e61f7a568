package dev.jcri.cni;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs a host tool (ip, iptables) for the real-plugin tests, without a shell. */
record HostCommand(int exitStatus, String output) {
    static HostCommand run(String... command) {
        try {
            Process process = new ProcessBuilder(List.of(command))
                    .redirectErrorStream(true)
                    .start();
            process.getOutputStream().close();
            String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new IllegalStateException("timed out: " + String.join(" ", command));
            }
            return new HostCommand(process.exitValue(), output);
        } catch (IOException e) {
            throw new IllegalStateException("cannot run " + String.join(" ", command), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    static String check(String... command) {
        HostCommand result = run(command);
        if (result.exitStatus() != 0) {
            throw new IllegalStateException(
                    String.join(" ", command) + " failed (" + result.exitStatus() + "): " + result.output());
        }
        return result.output();
    }

    boolean ok() {
        return exitStatus == 0;
    }
}
