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
 */
public record SandboxRecord(String id, String name, PodSandboxSpec spec, SandboxState state, long createdAt,
        String runtimeHandler, String cgroupParent, List<String> pins, String netns, String ipcns, String utsns,
        String shm, List<String> ips, String hostname, String pidns, String userns) {

    public SandboxRecord {
        pins = List.copyOf(pins);
        ips = List.copyOf(ips);
        // Records written before user namespaces existed have none.
        userns = userns == null ? "" : userns;
    }

    SandboxRecord withState(SandboxState newState) {
        return new SandboxRecord(id, name, spec, newState, createdAt, runtimeHandler, cgroupParent, pins, netns,
                ipcns, utsns, shm, ips, hostname, pidns, userns);
    }

    SandboxRecord withPidNamespace(String pin) {
        List<String> allPins = new java.util.ArrayList<>(pins);
        allPins.add(pin);
        return new SandboxRecord(id, name, spec, state, createdAt, runtimeHandler, cgroupParent, allPins, netns,
                ipcns, utsns, shm, ips, hostname, pin, userns);
    }

    SandboxRecord withNetwork(List<String> podIps) {
        return new SandboxRecord(id, name, spec, state, createdAt, runtimeHandler, cgroupParent, pins, netns, ipcns,
                utsns, shm, podIps, hostname, pidns, userns);
    }
}
