package dev.jcri.sandbox.cgroup;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Which cgroup driver a node uses when its config names none, and why: systemd when the host was booted with
 * systemd (its {@code sd_booted()} test: {@code /run/systemd/system} is a directory), cgroupfs otherwise.
 */
public record CgroupDriverChoice(String driver, String reason) {
    public static final Path SYSTEMD_RUNTIME_DIR = Path.of("/run/systemd/system");

    public static CgroupDriverChoice ofHost() {
        return of(SYSTEMD_RUNTIME_DIR);
    }

    static CgroupDriverChoice of(Path systemdRuntimeDir) {
        return systemdBooted(systemdRuntimeDir)
                ? new CgroupDriverChoice("systemd", "the host runs systemd (" + systemdRuntimeDir + " exists)")
                : new CgroupDriverChoice("cgroupfs", "the host does not run systemd (no " + systemdRuntimeDir + ")");
    }

    public static boolean systemdBooted() {
        return systemdBooted(SYSTEMD_RUNTIME_DIR);
    }

    static boolean systemdBooted(Path systemdRuntimeDir) {
        return Files.isDirectory(systemdRuntimeDir);
    }
}
