package dev.jcri.sandbox.pod;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Decides which of a pod's sysctls ({@code LinuxPodSandboxConfig.sysctls}) may be set. Only sysctls that belong
 * to a namespace the pod owns are allowed: {@code net.*} in its network namespace, and the IPC set
 * ({@code kernel.shm_rmid_forced}, {@code kernel.shmmax}, {@code kernel.shmall}, {@code kernel.shmmni},
 * {@code kernel.msgmax}, {@code kernel.msgmnb}, {@code kernel.msgmni}, {@code kernel.sem}, {@code fs.mqueue.*})
 * in its IPC namespace. A pod on the host's network or IPC namespace would change the node itself, so those
 * sysctls are refused for it, as runc and CRI-O do.
 */
public final class SysctlPolicy {
    private static final String FIELD = "linux.sysctls";

    private SysctlPolicy() {}

    /**
     * Checks every sysctl and returns them sorted by key, each with its namespace.
     *
     * @param sysctls name → value as kubelet sends them; names in either the '.' or the '/' form
     * @throws IllegalArgumentException naming the field ({@code linux.sysctls["net.ipv4.ip_forward"]}) and why
     */
    public static List<Sysctl> validate(Map<String, String> sysctls, boolean hostNetwork, boolean hostIpc) {
        List<Sysctl> allowed = new ArrayList<>(sysctls.size());
        Map<String, String> nameByKey = new HashMap<>();
        // Sorted so that the first error and the order sysctls are applied in do not depend on map order.
        for (Map.Entry<String, String> entry : new TreeMap<>(sysctls).entrySet()) {
            String name = entry.getKey();
            String field = field(name);
            SysctlKey key;
            try {
                key = SysctlKey.parse(name);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(field + ": " + e.getMessage(), e);
            }
            Sysctl.Namespace namespace = key.namespace()
                    .orElseThrow(() -> new IllegalArgumentException(field
                            + ": not a namespaced sysctl; a pod may set only net.*, fs.mqueue.* and the IPC sysctls"
                            + " kernel.shm_rmid_forced, kernel.shmmax, kernel.shmall, kernel.shmmni, kernel.msgmax,"
                            + " kernel.msgmnb, kernel.msgmni and kernel.sem"));
            if (namespace == Sysctl.Namespace.NET && hostNetwork) {
                throw new IllegalArgumentException(field
                        + ": a pod on the host's network namespace cannot set net.* sysctls; they would change the"
                        + " node");
            }
            if (namespace == Sysctl.Namespace.IPC && hostIpc) {
                throw new IllegalArgumentException(field
                        + ": a pod on the host's IPC namespace cannot set IPC sysctls; they would change the node");
            }
            String value = entry.getValue();
            try {
                Sysctl.checkValue(value);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(field + ": " + e.getMessage(), e);
            }
            String other = nameByKey.putIfAbsent(key.dotted(), name);
            if (other != null) {
                throw new IllegalArgumentException(field + ": names the same sysctl as " + field(other));
            }
            allowed.add(new Sysctl(key.dotted(), value, namespace));
        }
        return List.copyOf(allowed);
    }

    private static String field(String name) {
        return FIELD + "[" + QuotedText.of(name) + "]";
    }
}
