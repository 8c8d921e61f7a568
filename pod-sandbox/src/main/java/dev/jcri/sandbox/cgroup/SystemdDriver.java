package dev.jcri.sandbox.cgroup;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The systemd driver: pod parents are slices ({@code kubepods-burstable-pod<uid>.slice}), the runtime asks systemd
 * for {@code jcri-<id>.scope} in the pod's slice ({@code --systemd-cgroup}, cgroupsPath {@code slice:jcri:id}),
 * and jcri puts each container's conmon in a transient scope of its own, {@code jcri-conmon-<id>.scope}, in the
 * same slice (CRI-O's {@code conmon_cgroup = "pod"}), made over D-Bus.
 */
public final class SystemdDriver implements CgroupDriver {
    /** Units of jcri's containers and conmons, as ListUnitsByPatterns takes them. */
    public static final List<String> UNIT_PATTERNS = List.of(CgroupParent.SCOPE_PREFIX + "-*.scope");

    private static final Pattern UNIT =
            Pattern.compile(CgroupParent.SCOPE_PREFIX + "-(?:conmon-)?([0-9a-f]{64})\\.scope");

    private final SystemdUnits units;
    private final Duration placementTimeout;

    public SystemdDriver(SystemdUnits units, Duration placementTimeout) {
        this.units = units;
        this.placementTimeout = placementTimeout;
    }

    @Override
    public String name() {
        return "systemd";
    }

    @Override
    public void checkParent(String parent) {
        if (!SliceName.isValid(parent)) {
            throw new IllegalArgumentException("linux.cgroup_parent: \"" + parent + "\" is not a systemd slice name"
                    + (parent.startsWith("/") ? " (a cgroupfs path, but this node's cgroup_manager is systemd)" : "")
                    + "; expected e.g. kubepods-burstable-pod<uid>.slice");
        }
    }

    @Override
    public List<String> runtimeFlags() {
        return List.of("--systemd-cgroup");
    }

    @Override
    public void placeConmon(String parent, String containerId, long conmonPid) throws IOException {
        String scope = CgroupParent.conmonScope(containerId);
        units.startScope(scope, parent, conmonPid, "jcri conmon of container " + containerId);
        // The start is a job systemd runs after it answered: wait until conmon is really in the scope.
        long deadline = System.nanoTime() + placementTimeout.toNanos();
        Path procCgroup = Path.of("/proc", Long.toString(conmonPid), "cgroup");
        while (true) {
            String cgroups;
            try {
                cgroups = Files.readString(procCgroup);
            } catch (IOException e) {
                throw new IOException("conmon (pid " + conmonPid + ") ended before it joined " + scope, e);
            }
            if (cgroups.contains("/" + scope)) {
                return;
            }
            if (System.nanoTime() > deadline) {
                units.stop(scope);
                throw new SystemdUnavailableException(
                        "systemd did not move conmon (pid " + conmonPid + ") into " + scope + " within "
                                + placementTimeout.toSeconds() + " s",
                        null);
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted waiting for " + scope, e);
            }
        }
    }

    /** Stops both scopes of the container (the runtime's and conmon's) and forgets any failure. */
    @Override
    public void release(String parent, String containerId) throws IOException {
        units.stop(CgroupParent.containerScope(containerId));
        units.stop(CgroupParent.conmonScope(containerId));
    }

    /** jcri's container and conmon scopes systemd holds, each with its container ID. */
    public List<HeldUnit> heldUnits() throws IOException {
        List<HeldUnit> held = new ArrayList<>();
        for (String name : units.list(UNIT_PATTERNS)) {
            Matcher m = UNIT.matcher(name);
            if (m.matches()) {
                held.add(new HeldUnit(name, m.group(1)));
            }
        }
        return held;
    }

    /** A unit named after a container. */
    public record HeldUnit(String unit, String containerId) {}

    public void stopUnit(String unit) throws IOException {
        units.stop(unit);
    }
}
