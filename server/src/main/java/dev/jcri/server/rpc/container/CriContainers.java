package dev.jcri.server.rpc.container;

import dev.jcri.cri.v1.Container;
import dev.jcri.cri.v1.ContainerConfig;
import dev.jcri.cri.v1.ContainerMetadata;
import dev.jcri.cri.v1.ContainerResources;
import dev.jcri.cri.v1.ContainerState;
import dev.jcri.cri.v1.ContainerStatus;
import dev.jcri.cri.v1.ContainerUser;
import dev.jcri.cri.v1.HugepageLimit;
import dev.jcri.cri.v1.ImageSpec;
import dev.jcri.cri.v1.LinuxContainerResources;
import dev.jcri.cri.v1.LinuxContainerSecurityContext;
import dev.jcri.cri.v1.LinuxContainerUser;
import dev.jcri.cri.v1.Mount;
import dev.jcri.cri.v1.MountPropagation;
import dev.jcri.cri.v1.NamespaceMode;
import dev.jcri.cri.v1.Signal;
import dev.jcri.sandbox.container.ContainerRecord;
import dev.jcri.sandbox.container.spec.ContainerSpec;
import dev.jcri.sandbox.container.spec.DeviceSpec;
import dev.jcri.sandbox.container.spec.MountSpec;
import dev.jcri.sandbox.container.spec.SeccompProfile;
import dev.jcri.sandbox.ns.UserMappings;
import dev.jcri.server.rpc.FieldCheck;
import dev.jcri.server.rpc.pod.CriPods;
import java.util.ArrayList;
import java.util.List;

/** Translates between the CRI's container messages and the container domain. */
public final class CriContainers {
    private CriContainers() {}

    /**
     * The CRI config as the domain's spec. Checked here, before the domain touches the node: the metadata, the log
     * path (relative to the pod's log directory, never climbing out), mount and device paths (absolute, normalized,
     * never climbing), enums a newer client may send as numbers jcri does not know, and the strings that reach
     * execve (which cannot carry a NUL).
     */
    static ContainerSpec toSpec(ContainerConfig config) {
        if (!config.hasMetadata()) {
            throw new IllegalArgumentException("config.metadata: required");
        }
        FieldCheck.required("config.metadata.name", config.getMetadata().getName());
        String logPath =
                config.getLogPath().isEmpty() ? "" : FieldCheck.relativePath("config.log_path", config.getLogPath());
        noNul("config.command", config.getCommandList());
        noNul("config.args", config.getArgsList());
        List<MountSpec> mounts = new ArrayList<>();
        for (int i = 0; i < config.getMountsCount(); i++) {
            mounts.add(toDomain(config.getMounts(i), "config.mounts[" + i + "]"));
        }
        for (int i = 0; i < config.getDevicesCount(); i++) {
            FieldCheck.absolutePath(
                    "config.devices[" + i + "].container_path",
                    config.getDevices(i).getContainerPath());
            FieldCheck.absolutePath(
                    "config.devices[" + i + "].host_path", config.getDevices(i).getHostPath());
        }
        if (config.getStopSignal() == Signal.UNRECOGNIZED) {
            throw new IllegalArgumentException(
                    "config.stop_signal: " + config.getStopSignalValue() + " is not a signal this runtime knows");
        }
        LinuxContainerSecurityContext sc = config.getLinux().getSecurityContext();
        ContainerSpec.Resources resources = resources(config.getLinux().getResources(), "config.linux.resources");
        ContainerSpec.Security security = new ContainerSpec.Security(
                sc.hasRunAsUser() ? sc.getRunAsUser().getValue() : null,
                sc.getRunAsUsername(),
                sc.hasRunAsGroup() ? sc.getRunAsGroup().getValue() : null,
                sc.getSupplementalGroupsList(),
                sc.getReadonlyRootfs(),
                sc.getPrivileged(),
                sc.getNoNewPrivs(),
                sc.getCapabilities().getAddCapabilitiesList(),
                sc.getCapabilities().getDropCapabilitiesList(),
                sc.getCapabilities().getAddAmbientCapabilitiesList(),
                // Protobuf cannot tell an empty list from none; none means the defaults, as with containerd.
                sc.getMaskedPathsCount() == 0 ? null : sc.getMaskedPathsList(),
                sc.getReadonlyPathsCount() == 0 ? null : sc.getReadonlyPathsList(),
                pidMode(sc.getNamespaceOptions().getPid()),
                seccomp(sc),
                switch (sc.getSupplementalGroupsPolicy()) {
                    case Merge -> false;
                    case Strict -> true;
                    case UNRECOGNIZED ->
                        throw new IllegalArgumentException("supplemental_groups_policy: unknown value");
                });
        return ContainerSpec.builder(config.getMetadata().getName())
                .attempt(Integer.toUnsignedLong(config.getMetadata().getAttempt()))
                .command(config.getCommandList())
                .args(config.getArgsList())
                .workingDir(config.getWorkingDir())
                .env(config.getEnvsList().stream()
                        .map(kv -> new ContainerSpec.EnvVar(
                                kv.getKey(), kv.getValue().toStringUtf8()))
                        .toList())
                .mounts(mounts)
                .devices(config.getDevicesList().stream()
                        .map(d -> new DeviceSpec(d.getContainerPath(), d.getHostPath(), d.getPermissions()))
                        .toList())
                .labels(config.getLabelsMap())
                .annotations(config.getAnnotationsMap())
                .logPath(logPath)
                .stdio(config.getStdin(), config.getStdinOnce(), config.getTty())
                .resources(resources)
                .security(security)
                .stopSignal(signalName(config.getStopSignal()))
                .build();
    }

    /**
     * The seccomp profile: the {@code seccomp} field when set, else the deprecated {@code seccomp_profile_path}
     * ("runtime/default", "docker/default", "unconfined", "localhost/<path>"); neither means no filter, as the
     * CRI says (kubelet sends RuntimeDefault when the pod asks for it or the node defaults to it).
     */
    static SeccompProfile seccomp(LinuxContainerSecurityContext sc) {
        if (sc.hasSeccomp()) {
            return switch (sc.getSeccomp().getProfileType()) {
                case RuntimeDefault -> SeccompProfile.RUNTIME_DEFAULT;
                case Unconfined -> SeccompProfile.UNCONFINED;
                case Localhost -> {
                    String ref = sc.getSeccomp().getLocalhostRef().strip();
                    if (ref.isEmpty()) {
                        throw new IllegalArgumentException("seccomp.localhost_ref: required for a Localhost profile");
                    }
                    yield SeccompProfile.localhost(ref);
                }
                case UNRECOGNIZED -> throw new IllegalArgumentException("seccomp.profile_type: unknown value");
            };
        }
        String path = sc.getSeccompProfilePath().strip();
        if (path.isEmpty() || path.equals("unconfined")) {
            return SeccompProfile.UNCONFINED;
        }
        if (path.equals("runtime/default") || path.equals("docker/default")) {
            return SeccompProfile.RUNTIME_DEFAULT;
        }
        if (path.startsWith("localhost/")) {
            return SeccompProfile.localhost(path.substring("localhost/".length()));
        }
        throw new IllegalArgumentException(
                "seccomp_profile_path: \"" + path + "\" is none of runtime/default, unconfined, localhost/<path>");
    }

    /**
     * The resources, each number within what the kernel's cgroup files take (zero is unset), so that a value no
     * cgroup would take is refused naming its field instead of failing inside the runtime.
     *
     * @param field the message's path, {@code config.linux.resources} or {@code linux}
     */
    static ContainerSpec.Resources resources(LinuxContainerResources r, String field) {
        requireRange(field + ".cpu_period", r.getCpuPeriod(), 1000, 1_000_000, "microseconds, 1 ms to 1 s");
        if (r.getCpuQuota() != -1) {
            requireRange(
                    field + ".cpu_quota",
                    r.getCpuQuota(),
                    1000,
                    Long.MAX_VALUE,
                    "microseconds, at least 1 ms, or -1 for none");
        }
        requireRange(field + ".cpu_shares", r.getCpuShares(), 1, Long.MAX_VALUE, "a positive weight");
        requireRange(field + ".memory_limit_in_bytes", r.getMemoryLimitInBytes(), 1, Long.MAX_VALUE, "bytes");
        if (r.getMemorySwapLimitInBytes() != -1) {
            requireRange(
                    field + ".memory_swap_limit_in_bytes",
                    r.getMemorySwapLimitInBytes(),
                    1,
                    Long.MAX_VALUE,
                    "bytes, or -1 for no limit");
        }
        requireRange(field + ".oom_score_adj", r.getOomScoreAdj(), -1000, 1000, "-1000 to 1000");
        return new ContainerSpec.Resources(
                r.getCpuPeriod(),
                r.getCpuQuota(),
                r.getCpuShares(),
                r.getMemoryLimitInBytes(),
                r.getMemorySwapLimitInBytes(),
                r.getOomScoreAdj(),
                r.getCpusetCpus(),
                r.getCpusetMems(),
                r.getHugepageLimitsList().stream()
                        .map(h -> new ContainerSpec.HugepageLimit(h.getPageSize(), h.getLimit()))
                        .toList(),
                r.getUnifiedMap(),
                0);
    }

    private static void requireRange(String field, long value, long min, long max, String what) {
        if (value != 0 && (value < min || value > max)) {
            throw new IllegalArgumentException(field + ": " + value + " is out of range (" + what + ")");
        }
    }

    static LinuxContainerResources toCri(ContainerSpec.Resources r) {
        return LinuxContainerResources.newBuilder()
                .setCpuPeriod(r.cpuPeriod())
                .setCpuQuota(r.cpuQuota())
                .setCpuShares(r.cpuShares())
                .setMemoryLimitInBytes(r.memoryLimitBytes())
                .setMemorySwapLimitInBytes(r.memorySwapLimitBytes())
                .setOomScoreAdj(r.oomScoreAdj())
                .setCpusetCpus(r.cpusetCpus())
                .setCpusetMems(r.cpusetMems())
                .addAllHugepageLimits(r.hugepageLimits().stream()
                        .map(h -> HugepageLimit.newBuilder()
                                .setPageSize(h.pageSize())
                                .setLimit(h.limit())
                                .build())
                        .toList())
                .putAllUnified(r.unified())
                .build();
    }

    /** Both paths absolute and normalized, so that what the domain checks and binds is what is meant. */
    private static MountSpec toDomain(Mount mount, String field) {
        MountSpec.Propagation propagation = switch (mount.getPropagation()) {
            case PROPAGATION_PRIVATE -> MountSpec.Propagation.PRIVATE;
            case PROPAGATION_HOST_TO_CONTAINER -> MountSpec.Propagation.HOST_TO_CONTAINER;
            case PROPAGATION_BIDIRECTIONAL -> MountSpec.Propagation.BIDIRECTIONAL;
            case UNRECOGNIZED ->
                throw new IllegalArgumentException(
                        field + ".propagation: " + mount.getPropagationValue() + " is not a propagation mode");
        };
        UserMappings idmap = null;
        if (mount.getUidMappingsCount() > 0 || mount.getGidMappingsCount() > 0) {
            idmap = new UserMappings(
                    CriPods.range(mount.getUidMappingsList(), field + ".uid_mappings"),
                    CriPods.range(mount.getGidMappingsList(), field + ".gid_mappings"));
        }
        String image = mount.getImage().getImage();
        if (!image.isEmpty()) {
            // An image volume: kubelet leaves host_path empty; the image's mount takes its place.
            return new MountSpec(
                    FieldCheck.absolutePath(field + ".container_path", mount.getContainerPath()),
                    "",
                    true,
                    MountSpec.Propagation.PRIVATE,
                    false,
                    idmap,
                    new MountSpec.ImageVolume(image, mount.getImageSubPath()));
        }
        if (!mount.getImageSubPath().isEmpty()) {
            throw new IllegalArgumentException(field + ".image_sub_path: needs " + field + ".image");
        }
        return new MountSpec(
                FieldCheck.absolutePath(field + ".container_path", mount.getContainerPath()),
                FieldCheck.absolutePath(field + ".host_path", mount.getHostPath()),
                mount.getReadonly(),
                propagation,
                mount.getRecursiveReadOnly(),
                idmap);
    }

    /** Strings that become execve arguments: C strings, which end at the first NUL. */
    static void noNul(String field, List<String> values) {
        for (int i = 0; i < values.size(); i++) {
            if (values.get(i).indexOf('\0') >= 0) {
                throw new IllegalArgumentException(field + "[" + i + "]: holds a NUL character");
            }
        }
    }

    private static ContainerSpec.PidMode pidMode(NamespaceMode mode) {
        return switch (mode) {
            case POD -> ContainerSpec.PidMode.POD;
            case NODE -> ContainerSpec.PidMode.NODE;
            case CONTAINER -> ContainerSpec.PidMode.CONTAINER;
            case TARGET, UNRECOGNIZED ->
                throw new IllegalArgumentException(
                        "linux.security_context.namespace_options.pid: mode " + mode + " is not supported");
        };
    }

    /** SIGNAL_SIGTERM is SIGTERM; RUNTIME_DEFAULT leaves the choice to the image. */
    static String signalName(Signal signal) {
        if (signal == Signal.SIGNAL_RUNTIME_DEFAULT || signal == Signal.UNRECOGNIZED) {
            return "";
        }
        // The enum spells real-time signals SIGRTMINPLUS3 and SIGRTMAXMINUS2; the domain, as kill(1) does.
        return signal.name().substring("SIGNAL_".length()).replace("PLUS", "+").replace("MINUS", "-");
    }

    static Signal signal(String name) {
        try {
            return name.isEmpty()
                    ? Signal.SIGNAL_RUNTIME_DEFAULT
                    : Signal.valueOf("SIGNAL_" + name.replace("+", "PLUS").replace("-", "MINUS"));
        } catch (IllegalArgumentException e) {
            return Signal.SIGNAL_RUNTIME_DEFAULT;
        }
    }

    public static ContainerMetadata metadata(ContainerRecord record) {
        return ContainerMetadata.newBuilder()
                .setName(record.spec().name())
                .setAttempt((int) record.spec().attempt())
                .build();
    }

    static ContainerState state(ContainerRecord record) {
        return switch (record.state()) {
            case CREATED -> ContainerState.CONTAINER_CREATED;
            case RUNNING -> ContainerState.CONTAINER_RUNNING;
            case EXITED -> ContainerState.CONTAINER_EXITED;
            case CREATING -> ContainerState.CONTAINER_UNKNOWN;
        };
    }

    static Container toListItem(ContainerRecord record) {
        return Container.newBuilder()
                .setId(record.id())
                .setPodSandboxId(record.sandboxId())
                .setMetadata(metadata(record))
                .setImage(ImageSpec.newBuilder().setImage(record.image().requested()))
                .setImageRef(record.image().id())
                .setImageId(record.image().id())
                .setState(state(record))
                .setCreatedAt(record.createdAt())
                .putAllLabels(record.spec().labels())
                .putAllAnnotations(record.spec().annotations())
                .build();
    }

    static ContainerStatus toStatus(ContainerRecord record) {
        ContainerStatus.Builder status = ContainerStatus.newBuilder()
                .setId(record.id())
                .setMetadata(metadata(record))
                .setState(state(record))
                .setCreatedAt(record.createdAt())
                .setStartedAt(record.startedAt())
                .setFinishedAt(record.exit()
                        .map(ContainerRecord.ExitStatus::finishedAt)
                        .orElse(0L))
                .setExitCode(record.exitCode())
                .setImage(ImageSpec.newBuilder().setImage(record.image().requested()))
                .setImageRef(record.image().id())
                .setImageId(record.image().id())
                .setReason(record.exit().map(ContainerRecord.ExitStatus::reason).orElse(""))
                .setMessage(
                        record.exit().map(ContainerRecord.ExitStatus::message).orElse(""))
                .putAllLabels(record.spec().labels())
                .putAllAnnotations(record.spec().annotations())
                .setLogPath(record.logPath())
                .setUser(ContainerUser.newBuilder()
                        .setLinux(LinuxContainerUser.newBuilder()
                                .setUid(record.process()
                                        .map(ContainerRecord.ContainerProcess::uid)
                                        .orElse(0L))
                                .setGid(record.process()
                                        .map(ContainerRecord.ContainerProcess::gid)
                                        .orElse(0L))
                                .addAllSupplementalGroups(record.process()
                                        .map(ContainerRecord.ContainerProcess::additionalGids)
                                        .orElse(List.of()))))
                .setStopSignal(signal(record.stopSignal()))
                .setResources(ContainerResources.newBuilder()
                        .setLinux(toCri(record.spec().resources())));
        for (MountSpec mount : record.spec().mounts()) {
            Mount.Builder cri = Mount.newBuilder();
            if (mount.image() != null) {
                cri.setImage(ImageSpec.newBuilder().setImage(mount.image().reference()))
                        .setImageSubPath(mount.image().subPath());
            }
            status.addMounts(cri.setContainerPath(mount.containerPath())
                    .setHostPath(mount.hostPath())
                    .setReadonly(mount.readonly())
                    .setRecursiveReadOnly(mount.recursiveReadOnly())
                    .setPropagation(
                            switch (mount.propagation()) {
                                case PRIVATE -> MountPropagation.PROPAGATION_PRIVATE;
                                case HOST_TO_CONTAINER -> MountPropagation.PROPAGATION_HOST_TO_CONTAINER;
                                case BIDIRECTIONAL -> MountPropagation.PROPAGATION_BIDIRECTIONAL;
                            }));
        }
        return status.build();
    }

    /**
     * The stdio flags of Exec and Attach, as kubelet's streaming server checks them: at least one stream, and no
     * stderr with a terminal (the terminal carries both).
     */
    static void requireStreams(boolean stdin, boolean stdout, boolean stderr, boolean tty) {
        if (!stdin && !stdout && !stderr) {
            throw new IllegalArgumentException("stdin, stdout, stderr: one of them must be set");
        }
        if (tty && stderr) {
            throw new IllegalArgumentException("tty, stderr: tty and stderr cannot both be true");
        }
    }

    public static String requiredId(String id) {
        return FieldCheck.id("container_id", id);
    }
}
