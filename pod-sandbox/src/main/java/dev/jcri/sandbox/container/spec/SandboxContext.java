package dev.jcri.sandbox.container.spec;

import dev.jcri.sandbox.ns.UserMappings;

/**
 * What a pod gives each of its containers. An empty namespace path means the host's namespace; an empty file path
 * means no such mount.
 *
 * @param hostname set in the container only when it has the pod's UTS namespace ({@code utsnsPath})
 * @param pidnsPath the pod's shared PID namespace, for containers whose PID mode is POD
 * @param shmPath the pod's /dev/shm tmpfs; empty for a host-IPC pod, whose containers get the host's /dev/shm
 * @param cgroupParent cgroupfs form, such as {@code /jcri} or {@code /kubepods/burstable/pod1234}
 * @param usernsPath the pod's pinned user namespace, empty for host users
 * @param users that namespace's mappings, null for host users
 */
public record SandboxContext(
        String sandboxId,
        String hostname,
        String netnsPath,
        String ipcnsPath,
        String utsnsPath,
        String pidnsPath,
        String resolvConfPath,
        String hostsPath,
        String hostnamePath,
        String shmPath,
        String cgroupParent,
        String usernsPath,
        UserMappings users) {

    /** A pod with host users. */
    public SandboxContext(
            String sandboxId,
            String hostname,
            String netnsPath,
            String ipcnsPath,
            String utsnsPath,
            String pidnsPath,
            String resolvConfPath,
            String hostsPath,
            String hostnamePath,
            String shmPath,
            String cgroupParent) {
        this(
                sandboxId,
                hostname,
                netnsPath,
                ipcnsPath,
                utsnsPath,
                pidnsPath,
                resolvConfPath,
                hostsPath,
                hostnamePath,
                shmPath,
                cgroupParent,
                "",
                null);
    }

    public SandboxContext {
        sandboxId = ContainerSpec.orEmpty(sandboxId);
        hostname = ContainerSpec.orEmpty(hostname);
        netnsPath = ContainerSpec.orEmpty(netnsPath);
        ipcnsPath = ContainerSpec.orEmpty(ipcnsPath);
        utsnsPath = ContainerSpec.orEmpty(utsnsPath);
        pidnsPath = ContainerSpec.orEmpty(pidnsPath);
        resolvConfPath = ContainerSpec.orEmpty(resolvConfPath);
        hostsPath = ContainerSpec.orEmpty(hostsPath);
        hostnamePath = ContainerSpec.orEmpty(hostnamePath);
        shmPath = ContainerSpec.orEmpty(shmPath);
        cgroupParent = ContainerSpec.orEmpty(cgroupParent);
        usernsPath = ContainerSpec.orEmpty(usernsPath);
        if (usernsPath.isEmpty() != (users == null)) {
            throw new IllegalArgumentException("a user namespace path comes with its mappings");
        }
    }
}
