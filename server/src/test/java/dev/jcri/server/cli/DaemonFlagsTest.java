package dev.jcri.server.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** The daemon's picocli-free command line reads what picocli would, and hands everything else to picocli. */
class DaemonFlagsTest {
    @Test
    void knowsTheFlagsPicocliKnows() {
        Set<String> picocli = new CommandLine(new ConfigOptions())
                .getCommandSpec().options().stream()
                        .flatMap(option -> Set.of(option.names()).stream())
                        .collect(Collectors.toSet());
        assertEquals(picocli, DaemonFlags.NAMES);
    }

    @Test
    void readsWhatPicocliReads() {
        String[][] lines = {
            {},
            {"--root", "/r", "--runroot=/run/x", "--listen", "unix:///run/x.sock"},
            {"--config", "/etc/a.toml", "--config-dir", "/etc/a.d", "--log-level", "debug"},
            {"--root", "/a", "--root", "/b", "--metrics-address=127.0.0.1:0", "--streaming-port", "0"},
            {"--cni-conf-dir", "/a,/b", "--cni-bin-dir", "/c", "--conmon", "/usr/bin/conmon", "--pause-image", "p:1"},
            {"--cgroup-manager", "cgroupfs", "--registries-config", "/etc/r.conf"},
        };
        for (String[] line : lines) {
            ConfigOptions fast = DaemonFlags.parse(line).orElseThrow();
            JcriCommand command = new JcriCommand();
            new CommandLine(command).setOverwrittenOptionsAllowed(true).parseArgs(line);
            assertEquals(command.options.over(command.options).config, fast.config, String.join(" ", line));
            assertEquals(command.options.flags(), fast.flags(), String.join(" ", line));
            assertEquals(command.options.configDir, fast.configDir, String.join(" ", line));
        }
    }

    @Test
    void leavesEverythingElseToPicocli() {
        String[][] lines = {
            {"config"},
            {"check", "--root", "/r"},
            {"--help"},
            {"-V"},
            {"--version"},
            {"--root"},
            {"--root", "--listen", "/x"},
            {"--unknown", "x"},
            {"--root", "/r", "play", "pod.yaml"},
        };
        for (String[] line : lines) {
            assertTrue(DaemonFlags.parse(line).isEmpty(), String.join(" ", line));
        }
    }
}
