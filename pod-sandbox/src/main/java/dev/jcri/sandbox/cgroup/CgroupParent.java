package dev.jcri.sandbox.cgroup;

import java.util.regex.Pattern;

/**
 * A pod's cgroup parent in either driver's form: a slice name ({@code kubepods-burstable-pod1.slice}, systemd) or
 * an absolute path ({@code /kubepods/burstable/pod1}, cgroupfs). A parent is checked against the node's driver when
 * its pod is made, so its form alone tells how its containers' cgroups are named.
 */
public final class CgroupParent {
    /** What systemd prefixes the scopes of jcri's containers with: {@code jcri-<id>.scope}. */
    public static final String SCOPE_PREFIX = "jcri";

    private static final Pattern PATH = Pattern.compile("(/[A-Za-z0-9_.:@-]+)+");

    private CgroupParent() {}

    public static boolean isSlice(String parent) {
        return !parent.startsWith("/");
    }

    /** An absolute cgroupfs path without {@code .} or {@code ..} components. */
    public static boolean isPath(String parent) {
        return PATH.matcher(parent).matches()
                && !parent.contains("/../")
                && !parent.endsWith("/..")
                && !parent.contains("/./")
                && !parent.endsWith("/.");
    }

    /**
     * The OCI {@code cgroupsPath}: {@code <slice>:jcri:<id>} for systemd (the runtime makes {@code jcri-<id>.scope}
     * in the slice), {@code <path>/<id>} for cgroupfs.
     */
    public static String cgroupsPath(String parent, String containerId) {
        if (parent.isEmpty()) {
            throw new IllegalArgumentException("the pod has no cgroup parent");
        }
        if (isSlice(parent)) {
            return parent + ":" + SCOPE_PREFIX + ":" + containerId;
        }
        return parent.equals("/") ? "/" + containerId : parent.replaceAll("/+$", "") + "/" + containerId;
    }

    /**
     * The container's cgroup from a hierarchy's root. With systemd that is its scope; crun on cgroup v2 puts the
     * processes in a {@code container} child of it, which readers look for (see {@link #processCgroup}).
     */
    public static String containerCgroup(String parent, String containerId) {
        if (isSlice(parent)) {
            return SliceName.cgroupPath(parent) + "/" + containerScope(containerId);
        }
        return cgroupsPath(parent, containerId);
    }

    /** The pod's own cgroup from a hierarchy's root: the slice's path, or the cgroupfs path itself. */
    public static String podCgroup(String parent) {
        return isSlice(parent) ? SliceName.cgroupPath(parent) : parent;
    }

    /** The scope systemd makes for a container at the runtime's request. */
    public static String containerScope(String containerId) {
        return SCOPE_PREFIX + "-" + containerId + ".scope";
    }

    /** The scope jcri makes for a container's conmon (systemd driver). */
    public static String conmonScope(String containerId) {
        return SCOPE_PREFIX + "-conmon-" + containerId + ".scope";
    }

    /** The cgroup jcri makes for a container's conmon under its pod's parent (cgroupfs driver). */
    public static String conmonCgroup(String parent, String containerId) {
        return (parent.equals("/") ? "" : parent.replaceAll("/+$", "")) + "/conmon-" + containerId;
    }

    /**
     * Where a v2 cgroup's processes are: crun's systemd support moves them to a {@code container} child of the
     * scope (the scope itself may then hold no processes), runc keeps them in the scope.
     */
    public static java.nio.file.Path processCgroup(java.nio.file.Path cgroupDir) {
        java.nio.file.Path child = cgroupDir.resolve("container");
        return java.nio.file.Files.isDirectory(child) ? child : cgroupDir;
    }
}
