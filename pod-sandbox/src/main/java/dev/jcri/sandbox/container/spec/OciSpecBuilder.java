package dev.jcri.sandbox.container.spec;

import dev.jcri.image.store.ImageConfigSummary;
import dev.jcri.sandbox.cgroup.CgroupParent;
import dev.jcri.sandbox.ns.UserMappings;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Pattern;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * Generates a container's OCI runtime {@code config.json} (runtime-spec 1.0.2) from the CRI container config, the
 * image config and what the pod provides. Valid for cgroup v1 and v2 hosts; crun and runc both accept it.
 *
 * <p>{@code linux.seccomp} comes from {@link SeccompFilters}. Deliberately absent: {@code process.rlimits}, so the
 * container inherits the runtime's limits as with CRI-O and containerd's CRI (a fixed RLIMIT_NOFILE would fail on
 * nodes whose hard limit is lower, as jcri lacks CAP_SYS_RESOURCE to raise it); a cgroup namespace on cgroup v1
 * and hybrid hosts and for privileged containers (only unprivileged containers of a pure v2 node get one).
 */
public final class OciSpecBuilder {
    static final String OCI_VERSION = "1.0.2";
    /** A pure cgroup v2 node: its v2 tree is mounted at /sys/fs/cgroup itself. */
    private static final boolean UNIFIED_HOST = Files.isRegularFile(Path.of("/sys/fs/cgroup/cgroup.controllers"));

    /** containerd's and CRI-O's defaults merged; absent files are skipped by the runtime. */
    static final List<String> DEFAULT_MASKED_PATHS = List.of(
            "/proc/acpi",
            "/proc/asound",
            "/proc/interrupts",
            "/proc/kcore",
            "/proc/keys",
            "/proc/latency_stats",
            "/proc/sched_debug",
            "/proc/scsi",
            "/proc/timer_list",
            "/proc/timer_stats",
            "/sys/devices/virtual/powercap",
            "/sys/firmware");

    static final List<String> DEFAULT_READONLY_PATHS =
            List.of("/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger");

    private static final Pattern CONTAINER_ID = Pattern.compile("[a-zA-Z0-9][a-zA-Z0-9_.-]{0,127}");

    private OciSpecBuilder() {}

    /**
     * @param rootfs the mounted rootfs; users and groups are looked up in its /etc
     * @param daemonOomScoreAdj jcri's own oom_score_adj: a container may not go below it (see below)
     */
    /**
     * The OCI {@code LinuxResources} for a live update ({@code crun update --resources}): the same cgroup values
     * {@link #build} writes, without the device rules, which an update must not touch.
     */
    public static byte[] resourceUpdate(ContainerSpec.Resources resources) {
        ObjectNode node = CgroupResources.of(resources, List.of(), false);
        node.remove("devices");
        return node.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8);
    }

    public static OciSpec build(
            ContainerSpec spec,
            ImageConfigSummary image,
            SandboxContext sandbox,
            String containerId,
            Path rootfs,
            int daemonOomScoreAdj,
            SeccompFilters seccomp)
            throws IOException {
        return build(
                spec, image, sandbox, containerId, rootfs, daemonOomScoreAdj, Capabilities.ofThisProcess(), seccomp);
    }

    /** @param grantableCapabilities what the runtime can pass on, {@code CAP_*} names (tests fix it) */
    public static OciSpec build(
            ContainerSpec spec,
            ImageConfigSummary image,
            SandboxContext sandbox,
            String containerId,
            Path rootfs,
            int daemonOomScoreAdj,
            Set<String> grantableCapabilities)
            throws IOException {
        return build(
                spec,
                image,
                sandbox,
                containerId,
                rootfs,
                daemonOomScoreAdj,
                grantableCapabilities,
                SeccompFilters.builtIn());
    }

    private static OciSpec build(
            ContainerSpec spec,
            ImageConfigSummary image,
            SandboxContext sandbox,
            String containerId,
            Path rootfs,
            int daemonOomScoreAdj,
            Set<String> grantableCapabilities,
            SeccompFilters seccomp)
            throws IOException {
        if (!CONTAINER_ID.matcher(containerId).matches()) {
            throw new IllegalArgumentException("container ID \"" + containerId + "\" is not a valid ID");
        }
        if (!rootfs.isAbsolute()) {
            throw new IllegalArgumentException("rootfs " + rootfs + " is not an absolute path");
        }
        ContainerSpec.Security security = spec.security();
        JsonNodeFactory nodes = JsonNodeFactory.instance;
        ObjectNode json = nodes.objectNode();
        json.put("ociVersion", OCI_VERSION);

        ContainerUser user = ContainerUserResolver.resolve(security, image.user(), rootfs);
        boolean ownUts = !sandbox.utsnsPath().isEmpty();
        String hostname = ownUts ? sandbox.hostname() : "";

        ObjectNode process = json.putObject("process");
        process.put("terminal", spec.tty());
        ObjectNode userNode = process.putObject("user");
        userNode.put("uid", user.uid());
        userNode.put("gid", user.gid());
        ArrayNode gids = userNode.putArray("additionalGids");
        user.additionalGids().forEach(gids::add);
        strings(
                process.putArray("args"),
                ContainerCommand.of(spec.command(), spec.args(), image.entrypoint(), image.cmd()));
        // HOSTNAME follows the pod's name even for host-UTS pods, as in Docker and CRI-O.
        strings(
                process.putArray("env"),
                ContainerEnvironment.of(image.env(), spec.env(), sandbox.hostname(), spec.tty()));
        process.put("cwd", workingDir(spec.workingDir(), image.workingDir()));
        Capabilities capabilities = Capabilities.of(security, grantableCapabilities);
        ObjectNode caps = process.putObject("capabilities");
        strings(caps.putArray("bounding"), capabilities.sets());
        strings(caps.putArray("effective"), capabilities.sets());
        strings(caps.putArray("permitted"), capabilities.sets());
        // No inheritable set by default (CVE-2022-27652: it would let setcap'd binaries gain capabilities for
        // non-root users); only requested ambient capabilities need to be inheritable.
        if (!capabilities.ambient().isEmpty()) {
            strings(caps.putArray("inheritable"), capabilities.ambient());
            strings(caps.putArray("ambient"), capabilities.ambient());
        }
        process.put("noNewPrivileges", security.noNewPrivs());
        // Lowering oom_score_adj below one's own needs CAP_SYS_RESOURCE, which jcri may lack; clamp as
        // containerd's restrict_oom_score_adj does rather than fail the container.
        process.put("oomScoreAdj", (int)
                Math.max(Math.min(spec.resources().oomScoreAdj(), 1000), Math.max(daemonOomScoreAdj, -1000)));

        ObjectNode root = json.putObject("root");
        root.put("path", rootfs.toString());
        root.put("readonly", security.readonlyRootfs());

        // A hostname needs a UTS namespace of the container's own or the pod's; in the host's it would rename
        // the node.
        if (!hostname.isEmpty()) {
            json.put("hostname", hostname);
        }

        ContainerMounts mounts = ContainerMounts.of(spec.mounts(), security, sandbox);
        ArrayNode mountsNode = json.putArray("mounts");
        for (ContainerMounts.Mount mount : mounts.mounts()) {
            ObjectNode entry = mountsNode.addObject();
            entry.put("destination", mount.destination());
            entry.put("type", mount.type());
            entry.put("source", mount.source());
            strings(entry.putArray("options"), mount.options());
        }

        if (!spec.annotations().isEmpty()) {
            ObjectNode annotations = json.putObject("annotations");
            new TreeMap<>(spec.annotations()).forEach(annotations::put);
        }

        ObjectNode linux = json.putObject("linux");
        namespaces(linux.putArray("namespaces"), security.pidMode(), sandbox, security.privileged());
        if (sandbox.users() != null) {
            idMapping(linux.putArray("uidMappings"), sandbox.users().uids());
            idMapping(linux.putArray("gidMappings"), sandbox.users().gids());
        }
        linux.put("cgroupsPath", cgroupsPath(sandbox.cgroupParent(), containerId));
        ObjectNode filter =
                seccomp.forContainer(security.seccomp(), Set.copyOf(capabilities.sets()), security.privileged());
        if (filter != null) {
            linux.set("seccomp", filter);
        }

        Map<String, HostDevice> devices = new LinkedHashMap<>();
        if (security.privileged()) {
            // Privileged containers see the host's devices, as with Docker, CRI-O and containerd.
            for (HostDevice device : HostDevice.allOnHost()) {
                devices.put(device.path(), device);
            }
        }
        List<CgroupResources.GrantedDevice> granted = new ArrayList<>();
        for (int i = 0; i < spec.devices().size(); i++) {
            DeviceSpec device = spec.devices().get(i);
            String field = "devices[" + i + "]";
            String containerPath = ContainerPath.clean(device.containerPath(), field + ".container_path");
            if (!device.hostPath().startsWith("/")) {
                throw new IllegalArgumentException(
                        field + ".host_path: \"" + device.hostPath() + "\" is not an absolute path");
            }
            String access = access(device.permissions(), field + ".permissions");
            for (HostDevice found :
                    HostDevice.lookUp(Path.of(device.hostPath()), containerPath, field + ".host_path")) {
                devices.put(found.path(), found);
                granted.add(new CgroupResources.GrantedDevice(found, access));
            }
        }
        linux.set("resources", CgroupResources.of(spec.resources(), granted, security.privileged()));
        if (!devices.isEmpty()) {
            ArrayNode devicesNode = linux.putArray("devices");
            for (HostDevice device : devices.values()) {
                ObjectNode entry = devicesNode.addObject();
                entry.put("path", device.path());
                entry.put("type", device.type());
                entry.put("major", device.major());
                entry.put("minor", device.minor());
                entry.put("fileMode", device.fileMode());
                entry.put("uid", device.uid());
                entry.put("gid", device.gid());
            }
        }
        if (!mounts.rootfsPropagation().isEmpty()) {
            linux.put("rootfsPropagation", mounts.rootfsPropagation());
        }
        // Privileged containers see /proc and /sys unfiltered.
        if (!security.privileged()) {
            strings(linux.putArray("maskedPaths"), paths(security.maskedPaths(), DEFAULT_MASKED_PATHS, "masked_paths"));
            strings(
                    linux.putArray("readonlyPaths"),
                    paths(security.readonlyPaths(), DEFAULT_READONLY_PATHS, "readonly_paths"));
        }
        return new OciSpec(json, user.uid(), user.gid(), user.additionalGids());
    }

    private static String workingDir(String requested, String imageDir) {
        if (!requested.isEmpty()) {
            if (!requested.startsWith("/") || requested.indexOf('\0') >= 0) {
                throw new IllegalArgumentException("working_dir: \"" + requested + "\" is not an absolute path");
            }
            return requested;
        }
        if (imageDir.isEmpty() || imageDir.indexOf('\0') >= 0) {
            return "/";
        }
        // The OCI spec wants an absolute cwd; an image's relative WorkingDir is relative to /.
        return imageDir.startsWith("/") ? imageDir : "/" + imageDir;
    }

    private static void namespaces(
            ArrayNode namespaces, ContainerSpec.PidMode pidMode, SandboxContext sandbox, boolean privileged) {
        switch (pidMode) {
            case CONTAINER -> namespaces.addObject().put("type", "pid");
            case POD -> {
                if (sandbox.pidnsPath().isEmpty()) {
                    throw new IllegalArgumentException(
                            "namespace_options.pid: POD, but the pod has no shared PID" + " namespace");
                }
                namespace(namespaces, "pid", sandbox.pidnsPath());
            }
            case NODE -> {}
        }
        namespaces.addObject().put("type", "mount");
        // The pod's user namespace, already mapped; the mappings are repeated for runtimes that check them.
        namespace(namespaces, "user", sandbox.usernsPath());
        namespace(namespaces, "network", sandbox.netnsPath());
        namespace(namespaces, "ipc", sandbox.ipcnsPath());
        namespace(namespaces, "uts", sandbox.utsnsPath());
        if (UNIFIED_HOST && !privileged) {
            // A private cgroup namespace, as CRI-O and containerd give on cgroup v2: the container's cgroup is the
            // root of its /sys/fs/cgroup. Without it crun's systemd support mounts the node's whole tree there.
            // Privileged containers keep the node's, as with containerd (node agents read the whole tree).
            namespaces.addObject().put("type", "cgroup");
        }
    }

    private static void idMapping(ArrayNode mappings, UserMappings.Range range) {
        mappings.addObject()
                .put("containerID", range.containerId())
                .put("hostID", range.hostId())
                .put("size", range.length());
    }

    /** Joins the pod's namespace at {@code path}; an empty path keeps the host's (no entry at all). */
    private static void namespace(ArrayNode namespaces, String type, String path) {
        if (!path.isEmpty()) {
            ObjectNode entry = namespaces.addObject();
            entry.put("type", type);
            entry.put("path", path);
        }
    }

    /**
     * The cgroup of a container: under its pod's cgroup parent, named by its ID; a slice parent (systemd driver)
     * gives {@code <slice>:jcri:<id>}.
     */
    public static String cgroupsPath(String cgroupParent, String containerId) {
        if (cgroupParent.isEmpty()) {
            throw new IllegalArgumentException("the pod has no cgroup parent");
        }
        if (CgroupParent.isSlice(cgroupParent)) {
            return CgroupParent.cgroupsPath(cgroupParent, containerId);
        }
        String parent = ContainerPath.clean(cgroupParent, "cgroup_parent");
        return parent.equals("/") ? "/" + containerId : parent + "/" + containerId;
    }

    private static String access(String permissions, String field) {
        if (permissions.isEmpty()) {
            return "rwm";
        }
        if (!permissions.chars().allMatch(c -> c == 'r' || c == 'w' || c == 'm')) {
            throw new IllegalArgumentException(field + ": \"" + permissions + "\" is not made of r, w and m");
        }
        return permissions;
    }

    private static List<String> paths(List<String> given, List<String> defaults, String field) {
        if (given == null) {
            return defaults;
        }
        List<String> out = new ArrayList<>();
        for (int i = 0; i < given.size(); i++) {
            out.add(ContainerPath.clean(given.get(i), field + "[" + i + "]"));
        }
        return out;
    }

    private static void strings(ArrayNode array, List<String> values) {
        values.forEach(array::add);
    }
}
