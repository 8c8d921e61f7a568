package dev.jcri.server.node;

import dev.jcri.sandbox.cgroup.CgroupDriverChoice;
import dev.jcri.sandbox.cgroup.CgroupLayout;
import dev.jcri.sandbox.container.RuntimeFeatureProbe;
import dev.jcri.server.config.NodeConfig;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/** The host prerequisites of a working jcri node, each reported as ok, missing (with the fix) or a note. */
public final class NodeCheck {
    public enum State {
        OK("ok"),
        MISSING("missing"),
        NOTE("note");

        private final String label;

        State(String label) {
            this.label = label;
        }

        public String label() {
            return label;
        }
    }

    public record Finding(State state, String item, String detail, String fix) {}

    private static final List<String> CNI_PLUGINS = List.of("bridge", "host-local", "portmap", "loopback");

    private final NodeConfig config;

    public NodeCheck(NodeConfig config) {
        this.config = config;
    }

    public List<Finding> run() {
        List<Finding> findings = new ArrayList<>();
        findings.add(root());
        for (NodeConfig.RuntimeHandler handler : config.runtimes().values()) {
            boolean isDefault = handler.name().equals(config.defaultRuntime());
            findings.add(binary(
                    "runtime " + handler.name(),
                    handler.path(),
                    "apt-get install " + handler.path().getFileName(),
                    isDefault));
        }
        findings.add(binary("conmon", config.conmon(), "apt-get install conmon", true));
        for (NodeConfig.RuntimeHandler handler : config.runtimes().values()) {
            findings.add(checkpoint(handler));
        }
        findings.addAll(cniPlugins());
        findings.add(cniConfig());
        findings.add(overlay());
        findings.addAll(cgroups());
        findings.add(cgroupDriver());
        return findings;
    }

    /** Whether CheckpointContainer works with this handler; optional, so a note when it does not. */
    private static Finding checkpoint(NodeConfig.RuntimeHandler handler) {
        return RuntimeFeatureProbe.checkpointProblem(handler.path())
                .map(why -> new Finding(State.NOTE, "checkpoint " + handler.name(), "unavailable: " + why, null))
                .orElseGet(() -> new Finding(
                        State.OK, "checkpoint " + handler.name(), "CRIU works with " + handler.path(), null));
    }

    /** The driver in force and why: configured, or chosen by whether the host runs systemd. */
    private Finding cgroupDriver() {
        CgroupDriverChoice choice = CgroupDriverChoice.ofHost();
        String driver = config.cgroupManager();
        String why = driver.equals(choice.driver())
                ? choice.reason() + "; kubelet adopts it from RuntimeConfig"
                : "configured, although " + choice.reason();
        if (driver.equals("systemd") && !CgroupDriverChoice.systemdBooted()) {
            return new Finding(
                    State.MISSING,
                    "cgroup driver",
                    "systemd, but " + choice.reason(),
                    "set cgroup_manager = \"cgroupfs\"");
        }
        if (driver.equals("systemd") && !Files.exists(Path.of("/run/dbus/system_bus_socket"))) {
            return new Finding(
                    State.MISSING,
                    "cgroup driver",
                    "systemd, but the system D-Bus socket " + "/run/dbus/system_bus_socket is missing",
                    "apt-get install dbus");
        }
        return new Finding(
                State.OK,
                "cgroup driver",
                driver + " (" + why + "), pods without a parent in " + config.cgroupParent(),
                null);
    }

    private static Finding root() {
        String user = System.getProperty("user.name");
        return "root".equals(user)
                ? new Finding(State.OK, "root", "running as root", null)
                : new Finding(State.MISSING, "root", "running as " + user, "run jcri as root");
    }

    private static Finding binary(String item, Path path, String fix, boolean required) {
        if (!Files.isExecutable(path)) {
            return new Finding(required ? State.MISSING : State.NOTE, item, path + " not found", fix);
        }
        return new Finding(
                State.OK, item, path + versionOf(path).map(v -> " (" + v + ")").orElse(""), null);
    }

    private static Optional<String> versionOf(Path binary) {
        try {
            Process process = new ProcessBuilder(binary.toString(), "--version")
                    .redirectErrorStream(true)
                    .start();
            process.getOutputStream().close();
            String output = new String(process.getInputStream().readNBytes(4096), StandardCharsets.UTF_8);
            if (!process.waitFor(5, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                return Optional.empty();
            }
            return output.lines().findFirst().map(String::strip);
        } catch (IOException e) {
            return Optional.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.empty();
        }
    }

    private List<Finding> cniPlugins() {
        List<Finding> findings = new ArrayList<>();
        for (String plugin : CNI_PLUGINS) {
            Optional<Path> found = config.cniBinDirs().stream()
                    .map(dir -> dir.resolve(plugin))
                    .filter(Files::isExecutable)
                    .findFirst();
            findings.add(found.map(p -> new Finding(State.OK, "cni plugin " + plugin, p.toString(), null))
                    .orElseGet(() -> new Finding(
                            State.MISSING,
                            "cni plugin " + plugin,
                            "not in " + config.cniBinDirs(),
                            "apt-get install containernetworking-plugins")));
        }
        return findings;
    }

    private Finding cniConfig() {
        for (Path dir : config.cniConfDirs()) {
            try (var files = Files.list(dir)) {
                Optional<Path> first = files.filter(p -> p.toString().matches(".*\\.(conflist|conf|json)$"))
                        .sorted()
                        .findFirst();
                if (first.isPresent()) {
                    return new Finding(State.OK, "cni config", first.get().toString(), null);
                }
            } catch (IOException e) {
                // A missing dir is the same as an empty one here.
            }
        }
        return new Finding(
                State.NOTE,
                "cni config",
                "none in " + config.cniConfDirs() + "; NetworkReady stays false until a network config exists",
                null);
    }

    private static Finding overlay() {
        try {
            boolean present = Files.readAllLines(Path.of("/proc/filesystems")).stream()
                    .anyMatch(line -> line.endsWith("\toverlay"));
            return present
                    ? new Finding(State.OK, "overlayfs", "supported by the kernel", null)
                    : new Finding(State.MISSING, "overlayfs", "not in /proc/filesystems", "modprobe overlay");
        } catch (IOException e) {
            return new Finding(State.MISSING, "overlayfs", "cannot read /proc/filesystems", null);
        }
    }

    private static List<Finding> cgroups() {
        CgroupLayout layout;
        try {
            layout = CgroupLayout.ofHost();
        } catch (IOException e) {
            return List.of(new Finding(State.MISSING, "cgroups", "cannot read mountinfo: " + e.getMessage(), null));
        }
        List<Finding> findings = new ArrayList<>();
        String detail = switch (layout.kind()) {
            case UNIFIED -> "cgroup v2 (unified) at " + layout.v2Mount().orElseThrow();
            case LEGACY -> "cgroup v1, controllers " + layout.v1Hierarchies().keySet();
            case HYBRID ->
                "hybrid: cgroup v1 controllers " + layout.v1Hierarchies().keySet() + ", v2 tree at "
                        + layout.v2Mount().orElseThrow();
            case NONE -> "no cgroup filesystem mounted";
        };
        findings.add(
                layout.kind() == CgroupLayout.Kind.NONE
                        ? new Finding(State.MISSING, "cgroups", detail, "mount cgroup2 at /sys/fs/cgroup")
                        : new Finding(State.OK, "cgroups", detail, null));
        if (layout.kind() == CgroupLayout.Kind.HYBRID) {
            List<String> blocking = layout.controllersBlockingHybrid();
            findings.add(
                    blocking.isEmpty()
                            ? new Finding(State.OK, "cgroup hybrid mode", "no controller left in the v2 tree", null)
                            : new Finding(
                                    State.NOTE,
                                    "cgroup hybrid mode",
                                    "controllers " + blocking
                                            + " sit in the v2 tree, which crun refuses; jcri mounts them as v1 hierarchies under "
                                            + "/sys/fs/cgroup at startup",
                                    null));
        }
        return findings;
    }
}
