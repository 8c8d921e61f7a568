package dev.jcri.sandbox.pod;

import java.util.List;

/**
 * A sandbox as persisted in {@code <root>/sandboxes/<id>/sandbox.json}: everything needed to report it and to
 * tear it down after a restart of jcri.
 *
 * @param pins the namespace pin files this sandbox owns (its own net, ipc, uts)
 * @param netns the network namespace path containers join, empty for a host-network pod
 * @param ips pod IPs, the primary first
 * @param createdAt epoch nanoseconds
 * @param hostname the pod's hostname, as its containers see it
 * @param pidns the pinned PID namespace of the pod's infra container, empty unless the pod shares one
 * @param userns the pinned user namespace owning the pod's others, empty for a pod with host users
 * @param removing a removal began: the next start finishes it if jcri dies first
 *
 * <p>The record is written ahead of what it describes: {@code pins} and {@code shm} name what the create makes
 * before it makes it, so whatever step a crash interrupts, undoing them all (each undo is idempotent) leaves
 * nothing. The CNI cache entry is the record of an ADD, written before the ADD runs.
 */
public record SandboxRecord(String id, String name, PodSandboxSpec spec, SandboxState state, long createdAt,
        String runtimeHandler, String cgroupParent, List<String> pins, String netns, String ipcns, String utsns,
        String shm, List<String> ips, String hostname, String pidns, String userns, boolean removing) {

    public SandboxRecord {
        pins = List.copyOf(pins);
        ips = List.copyOf(ips);
        // Records written before user namespaces existed have none.
        userns = userns == null ? "" : userns;
    }

    SandboxRecord withState(SandboxState newState) {
        return new SandboxRecord(id, name, spec, newState, createdAt, runtimeHandler, cgroupParent, pins, netns,
                ipcns, utsns, shm, ips, hostname, pidns, userns, removing);
    }

    SandboxRecord markedRemoving() {
        return new SandboxRecord(id, name, spec, state, createdAt, runtimeHandler, cgroupParent, pins, netns,
                ipcns, utsns, shm, ips, hostname, pidns, userns, true);
    }

    SandboxRecord withPidNamespace(String pin) {
        List<String> allPins = new java.util.ArrayList<>(pins);
        if (!allPins.contains(pin)) {
            allPins.add(pin);
        }
        return new SandboxRecord(id, name, spec, state, createdAt, runtimeHandler, cgroupParent, allPins, netns,
                ipcns, utsns, shm, ips, hostname, pin, userns, removing);
    }

    SandboxRecord withNetwork(List<String> podIps) {
        return new SandboxRecord(id, name, spec, state, createdAt, runtimeHandler, cgroupParent, pins, netns, ipcns,
                utsns, shm, podIps, hostname, pidns, userns, removing);
    }
}
