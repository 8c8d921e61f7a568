package dev.jcri.sandbox.pod;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * A sandbox as persisted in its record dir ({@code sandbox.json}, see {@link dev.jcri.sandbox.StateLayout}):
 * everything needed to report it and to tear it down after a restart of jcri.
 *
 * @param createdAt epoch nanoseconds
 * @param shm the pod's own /dev/shm mount, absent for a pod with the node's IPC namespace
 * @param ips pod IPs, the primary first
 * @param hostname the pod's hostname, as its containers see it
 * @param removing a removal began: the next start finishes it if jcri dies first
 *
 * <p>The record is written ahead of what it describes: the pins and {@code shm} name what the create makes before
 * it makes it, so whatever step a crash interrupts, undoing them all (each undo is idempotent) leaves nothing. The
 * CNI cache entry is the record of an ADD, written before the ADD runs. On disk it keeps the flat form of the
 * first jcri ({@link Stored}), so that records of a node upgraded with pods running load.
 */
public record SandboxRecord(
        String id,
        String name,
        PodSandboxSpec spec,
        SandboxState state,
        long createdAt,
        String runtimeHandler,
        String cgroupParent,
        PodNamespaces namespaces,
        Optional<String> shm,
        List<String> ips,
        String hostname,
        boolean removing) {

    public SandboxRecord {
        ips = List.copyOf(ips);
    }

    /**
     * The pod's pinned namespaces; an absent one is the node's (for PID: no namespace shared by the pod).
     *
     * @param pins every pin file the sandbox owns, removed with it
     * @param pid the PID namespace of the pod's infra container, pinned once it runs
     * @param user the user namespace owning the pod's others, for a pod with its own users
     */
    public record PodNamespaces(
            List<String> pins,
            Optional<String> net,
            Optional<String> ipc,
            Optional<String> uts,
            Optional<String> pid,
            Optional<String> user) {
        public PodNamespaces {
            pins = List.copyOf(pins);
        }
    }

    /** A sandbox about to be made: its record names the pins and the shm mount before they exist. */
    static SandboxRecord creating(
            String id,
            String name,
            PodSandboxSpec spec,
            long createdAt,
            String runtimeHandler,
            String cgroupParent,
            PodNamespaces namespaces,
            Optional<String> shm,
            String hostname) {
        return new SandboxRecord(
                id,
                name,
                spec,
                SandboxState.CREATING,
                createdAt,
                runtimeHandler,
                cgroupParent,
                namespaces,
                shm,
                List.of(),
                hostname,
                false);
    }

    /** The network namespace containers join, empty for a host-network pod. */
    public Optional<String> netns() {
        return namespaces.net();
    }

    SandboxRecord withState(SandboxState newState) {
        return new SandboxRecord(
                id,
                name,
                spec,
                newState,
                createdAt,
                runtimeHandler,
                cgroupParent,
                namespaces,
                shm,
                ips,
                hostname,
                removing);
    }

    SandboxRecord markedRemoving() {
        return new SandboxRecord(
                id, name, spec, state, createdAt, runtimeHandler, cgroupParent, namespaces, shm, ips, hostname, true);
    }

    SandboxRecord withPidNamespace(String pin) {
        List<String> allPins = new ArrayList<>(namespaces.pins());
        if (!allPins.contains(pin)) {
            allPins.add(pin);
        }
        PodNamespaces withPid = new PodNamespaces(
                allPins, namespaces.net(), namespaces.ipc(), namespaces.uts(), Optional.of(pin), namespaces.user());
        return new SandboxRecord(
                id, name, spec, state, createdAt, runtimeHandler, cgroupParent, withPid, shm, ips, hostname, removing);
    }

    SandboxRecord withNetwork(List<String> podIps) {
        return new SandboxRecord(
                id,
                name,
                spec,
                state,
                createdAt,
                runtimeHandler,
                cgroupParent,
                namespaces,
                shm,
                podIps,
                hostname,
                removing);
    }

    /**
     * The record file's form: flat, absent values as "". It is the format the first jcri wrote, kept so that an
     * upgraded node loads the records of the pods it runs.
     */
    record Stored(
            String id,
            String name,
            PodSandboxSpec spec,
            SandboxState state,
            long createdAt,
            String runtimeHandler,
            String cgroupParent,
            List<String> pins,
            String netns,
            String ipcns,
            String utsns,
            String shm,
            List<String> ips,
            String hostname,
            String pidns,
            String userns,
            boolean removing) {}

    @JsonValue
    Stored stored() {
        return new Stored(
                id,
                name,
                spec,
                state,
                createdAt,
                runtimeHandler,
                cgroupParent,
                namespaces.pins(),
                namespaces.net().orElse(""),
                namespaces.ipc().orElse(""),
                namespaces.uts().orElse(""),
                shm.orElse(""),
                ips,
                hostname,
                namespaces.pid().orElse(""),
                namespaces.user().orElse(""),
                removing);
    }

    @JsonCreator(mode = JsonCreator.Mode.DELEGATING)
    static SandboxRecord fromStored(Stored s) {
        // Records written before user namespaces existed have no userns.
        PodNamespaces namespaces = new PodNamespaces(
                s.pins() == null ? List.of() : s.pins(),
                present(s.netns()),
                present(s.ipcns()),
                present(s.utsns()),
                present(s.pidns()),
                present(s.userns()));
        return new SandboxRecord(
                s.id(),
                s.name(),
                s.spec(),
                s.state(),
                s.createdAt(),
                s.runtimeHandler(),
                s.cgroupParent(),
                namespaces,
                present(s.shm()),
                s.ips() == null ? List.of() : s.ips(),
                s.hostname(),
                s.removing());
    }

    private static Optional<String> present(String value) {
        return value == null || value.isEmpty() ? Optional.empty() : Optional.of(value);
    }
}
