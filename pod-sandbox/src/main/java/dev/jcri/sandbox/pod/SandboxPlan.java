package dev.jcri.sandbox.pod;

import dev.jcri.sandbox.ns.PinnedNamespaces;
import dev.jcri.sandbox.ns.ProcSysWrite;
import java.util.List;
import java.util.Optional;

/**
 * What RunPodSandbox will make for one pod, decided before anything is made: the {@link SandboxPlanner} checks
 * the request and answers every question; the steps that act only follow it.
 *
 * @param record the CREATING record saved before the first step: it names every pin and the shm mount before
 *     they exist, so a crash at any step leaves a record that undoes them
 * @param pinned the namespaces to create and pin, in order (a user namespace first: it owns the others)
 * @param hostname the pod's hostname, set in its UTS namespace and written to its hostname file
 * @param resolvConf the pod's resolv.conf, empty to copy the node's
 * @param ownShm whether the pod gets its own /dev/shm (not with the node's IPC namespace)
 * @param ownNetwork whether the pod gets its own network namespace and a CNI attachment; without, its hosts
 *     file is the node's
 * @param sharedPid whether the pod's containers share one PID namespace, which an infra container holds
 */
public record SandboxPlan(
        SandboxRecord record,
        List<PinnedNamespaces.Kind> pinned,
        String hostname,
        List<Sysctl> sysctls,
        Optional<String> resolvConf,
        boolean ownShm,
        boolean ownNetwork,
        boolean sharedPid) {

    public SandboxPlan {
        pinned = List.copyOf(pinned);
        sysctls = List.copyOf(sysctls);
    }

    public String id() {
        return record.id();
    }

    /** The sysctls as the namespace pinning writes them. */
    public List<ProcSysWrite> sysctlWrites() {
        return sysctls.stream()
                .map(s -> new ProcSysWrite(s.procPath(), s.value()))
                .toList();
    }
}
