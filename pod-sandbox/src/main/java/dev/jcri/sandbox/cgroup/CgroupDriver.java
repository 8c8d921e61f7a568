package dev.jcri.sandbox.cgroup;

import java.io.IOException;
import java.util.List;

/**
 * Who makes and names the cgroups of pods and containers: jcri and the OCI runtime writing cgroupfs directly
 * ({@code cgroupfs}), or systemd, asked over D-Bus for slices and scopes ({@code systemd}). kubelet must use the
 * same driver, which it learns from RuntimeConfig.
 */
public interface CgroupDriver {

    /** {@code cgroupfs} or {@code systemd}, as the config key and the CRI name it. */
    String name();

    /**
     * Refuses a pod cgroup parent this driver cannot use (a path for systemd, a slice for cgroupfs); the message
     * names {@code linux.cgroup_parent}.
     */
    void checkParent(String parent);

    /** Global flags every runtime command needs with this driver (crun and runc take the same). */
    List<String> runtimeFlags();

    /**
     * Moves a container's conmon out of jcri's own cgroup, so that stopping jcri's service leaves it (and its
     * container) running.
     */
    void placeConmon(String parent, String containerId, long conmonPid) throws IOException;

    /**
     * Removes what the driver keeps for a container that is gone: conmon's cgroup or scope, and (systemd) the
     * runtime's scope if systemd still holds it. Nothing there is fine.
     */
    void release(String parent, String containerId) throws IOException;
}
