package dev.jcri.sandbox.container.spec;

/**
 * One CRI {@code Device}: a host device node (or a directory of them) made available in the container.
 *
 * @param permissions cgroup access, any of {@code r}, {@code w}, {@code m}; empty means {@code rwm}
 */
public record DeviceSpec(String containerPath, String hostPath, String permissions) {
    public DeviceSpec {
        containerPath = ContainerSpec.orEmpty(containerPath);
        hostPath = ContainerSpec.orEmpty(hostPath);
        permissions = ContainerSpec.orEmpty(permissions);
    }
}
