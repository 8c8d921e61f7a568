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
     * Starts a move into conmon's cgroup while conmon and the runtime's create start up, best effort and never
     * failing: on a host whose cgroup moves are cheap, nothing. {@link #placeConmon} still places the conmon that
     * stays.
     *
     * <p>Why: the first move into any cgroup after a quiet spell waits for an RCU grace period (the kernel's
     * cgroup_threadgroup_rwsem leaving its fast path; 10-19 ms on the build VM), and a move that starts while one
     * waits shares that wait. The runtime's create moves the container's init a few milliseconds after conmon
     * starts; begun here, the wait is mostly over by then instead of starting then.
     *
     * @param launcherPid the process that execs conmon, moved while it is conmon's first process, as it mostly still
     *     is (the write comes within a millisecond of the spawn). A write that finds it gone (ESRCH) starts no wait
     *     on a kernel that looks the PID up before it takes the lock (6.18 here), and the same wait on one that takes
     *     the lock first; PIDs are allocated cyclically, so one that ended just now names no other process.
     */
    default void startConmonMove(String parent, String containerId, long launcherPid) {}

    /**
     * Removes what the driver keeps for a container that is gone: conmon's cgroup or scope, and (systemd) the
     * runtime's scope if systemd still holds it. Nothing there is fine.
     */
    void release(String parent, String containerId) throws IOException;
}
