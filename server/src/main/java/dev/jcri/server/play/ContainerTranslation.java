package dev.jcri.server.play;

import dev.jcri.cri.v1.Capability;
import dev.jcri.cri.v1.ContainerConfig;
import dev.jcri.cri.v1.ContainerMetadata;
import dev.jcri.cri.v1.ImageSpec;
import dev.jcri.cri.v1.Int64Value;
import dev.jcri.cri.v1.KeyValue;
import dev.jcri.cri.v1.LinuxContainerConfig;
import dev.jcri.cri.v1.LinuxContainerSecurityContext;
import dev.jcri.cri.v1.Mount;
import dev.jcri.cri.v1.MountPropagation;
import dev.jcri.cri.v1.SecurityProfile;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodSecurityContext;
import io.fabric8.kubernetes.api.model.SeccompProfile;
import io.fabric8.kubernetes.api.model.SecurityContext;
import io.fabric8.kubernetes.api.model.VolumeMount;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import tools.jackson.databind.json.JsonMapper;

/**
 * A container's CreateContainer config as kubelet builds it: metadata with the restart count as attempt, the pulled
 * image, command and args with {@code $(VAR)} expanded, the resolved environment, mounts (volumes, /etc/hosts, the
 * termination-message file), log path {@code <name>/<restart count>.log}, kubelet's labels and annotations, CRI
 * resources and the effective security context (pod's, overridden by the container's; the image's user when neither
 * names one).
 */
final class ContainerTranslation {
    static final List<String> DEFAULT_MASKED_PATHS = List.of(
            "/proc/asound",
            "/proc/acpi",
            "/proc/kcore",
            "/proc/keys",
            "/proc/latency_stats",
            "/proc/timer_list",
            "/proc/timer_stats",
            "/proc/sched_debug",
            "/proc/scsi",
            "/sys/firmware",
            "/sys/devices/virtual/powercap");
    static final List<String> DEFAULT_READONLY_PATHS =
            List.of("/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger");

    /** The user an image runs as when the manifest names none: a UID, or a name the runtime resolves. */
    record ImageUser(Long uid, String username) {
        static final ImageUser ROOT = new ImageUser(0L, "");
    }

    /** Where the pod's files are on the host, from {@link VolumeMaterialiser}. */
    record HostFiles(Map<String, VolumeMaterialiser.HostVolume> volumes, Path etcHosts, Path terminationLog) {}

    private final NodeFacts node;

    ContainerTranslation(NodeFacts node) {
        this.node = node;
    }

    /**
     * @param field the container's path in the manifest ({@code spec.containers[1]}), for errors
     * @param imageRef the image ID the pull answered; the manifest's reference goes in as user_specified_image
     */
    ContainerConfig container(
            Pod pod,
            Container c,
            String field,
            int restartCount,
            String imageRef,
            ImageUser imageUser,
            Map<String, String> env,
            HostFiles files,
            long usernsHostId)
            throws PlayException {
        ContainerConfig.Builder config = ContainerConfig.newBuilder()
                .setMetadata(ContainerMetadata.newBuilder().setName(c.getName()).setAttempt(restartCount))
                .setImage(ImageSpec.newBuilder().setImage(imageRef).setUserSpecifiedImage(c.getImage()))
                .setWorkingDir(c.getWorkingDir() == null ? "" : c.getWorkingDir())
                .putAllLabels(labels(pod, c))
                .putAllAnnotations(annotations(pod, c, restartCount))
                .setLogPath(c.getName() + "/" + restartCount + ".log")
                .setStdin(Boolean.TRUE.equals(c.getStdin()))
                .setStdinOnce(Boolean.TRUE.equals(c.getStdinOnce()))
                .setTty(Boolean.TRUE.equals(c.getTty()));
        for (String arg : c.getCommand()) {
            config.addCommand(ContainerEnvironment.expand(arg, env));
        }
        for (String arg : c.getArgs()) {
            config.addArgs(ContainerEnvironment.expand(arg, env));
        }
        env.forEach((k, v) -> config.addEnvs(
                KeyValue.newBuilder().setKey(k).setValue(com.google.protobuf.ByteString.copyFromUtf8(v))));
        for (Mount mount : mounts(pod, c, field, files)) {
            // A user-namespaced pod's volumes carry its mappings, as kubelet sends them, so they are idmapped.
            config.addMounts(
                    usernsHostId >= 0 && Boolean.FALSE.equals(pod.getSpec().getHostUsers())
                            ? mount.toBuilder()
                                    .addAllUidMappings(PodTranslation.namespaces(pod, usernsHostId)
                                            .getUsernsOptions()
                                            .getUidsList())
                                    .addAllGidMappings(PodTranslation.namespaces(pod, usernsHostId)
                                            .getUsernsOptions()
                                            .getGidsList())
                                    .build()
                            : mount);
        }
        verifyRunAsNonRoot(pod, c, field, imageUser);
        config.setLinux(LinuxContainerConfig.newBuilder()
                .setResources(LinuxResources.container(pod, c, node.memoryCapacity()))
                .setSecurityContext(securityContext(pod, c, imageUser, usernsHostId)));
        return config.build();
    }

    static Map<String, String> labels(Pod pod, Container c) {
        Map<String, String> labels = new LinkedHashMap<>();
        labels.put(PodTranslation.CONTAINER_NAME, c.getName());
        labels.put(PodTranslation.POD_NAME, pod.getMetadata().getName());
        labels.put(PodTranslation.POD_NAMESPACE, pod.getMetadata().getNamespace());
        labels.put(PodTranslation.POD_UID, pod.getMetadata().getUid());
        return labels;
    }

    static Map<String, String> annotations(Pod pod, Container c, int restartCount) {
        JsonMapper json = JsonMapper.shared();
        Map<String, String> annotations = new LinkedHashMap<>();
        annotations.put("io.kubernetes.container.hash", Long.toHexString(hash(json.writeValueAsBytes(c))));
        annotations.put("io.kubernetes.container.restartCount", Integer.toString(restartCount));
        annotations.put("io.kubernetes.container.terminationMessagePath", c.getTerminationMessagePath());
        annotations.put("io.kubernetes.container.terminationMessagePolicy", c.getTerminationMessagePolicy());
        if (pod.getMetadata().getDeletionGracePeriodSeconds() != null) {
            annotations.put(
                    "io.kubernetes.pod.deletionGracePeriod",
                    pod.getMetadata().getDeletionGracePeriodSeconds().toString());
        }
        annotations.put(
                "io.kubernetes.pod.terminationGracePeriod",
                pod.getSpec().getTerminationGracePeriodSeconds().toString());
        if (c.getLifecycle() != null && c.getLifecycle().getPreStop() != null) {
            annotations.put(
                    "io.kubernetes.container.preStopHandler",
                    json.writeValueAsString(c.getLifecycle().getPreStop()));
        }
        if (!c.getPorts().isEmpty()) {
            annotations.put("io.kubernetes.container.ports", portsJson(c));
        }
        return annotations;
    }

    /** The ports as kubelet's Go JSON writes them: its field order, empty fields left out. */
    static String portsJson(Container c) {
        StringBuilder json = new StringBuilder("[");
        for (var port : c.getPorts()) {
            if (json.length() > 1) {
                json.append(',');
            }
            StringBuilder one = new StringBuilder();
            if (port.getName() != null && !port.getName().isEmpty()) {
                one.append(",\"name\":").append(JsonMapper.shared().writeValueAsString(port.getName()));
            }
            if (port.getHostPort() != null && port.getHostPort() != 0) {
                one.append(",\"hostPort\":").append(port.getHostPort());
            }
            one.append(",\"containerPort\":").append(port.getContainerPort());
            one.append(",\"protocol\":\"").append(port.getProtocol()).append('"');
            if (port.getHostIP() != null && !port.getHostIP().isEmpty()) {
                one.append(",\"hostIP\":").append(JsonMapper.shared().writeValueAsString(port.getHostIP()));
            }
            json.append('{').append(one.substring(1)).append('}');
        }
        return json.append(']').toString();
    }

    /** FNV-1a, 32 bits: the hash kubelet keeps of a container's spec to notice a change. */
    static long hash(byte[] bytes) {
        int h = 0x811c9dc5;
        for (byte b : bytes) {
            h ^= b & 0xff;
            h *= 0x01000193;
        }
        return Integer.toUnsignedLong(h);
    }

    private static List<Mount> mounts(Pod pod, Container c, String field, HostFiles files) throws PlayException {
        String object = PodTranslation.object(pod);
        List<Mount> mounts = new java.util.ArrayList<>();
        boolean ownHosts = false;
        for (int i = 0; i < c.getVolumeMounts().size(); i++) {
            VolumeMount vm = c.getVolumeMounts().get(i);
            String where = field + ".volumeMounts[" + i + "]";
            VolumeMaterialiser.HostVolume volume = files.volumes().get(vm.getName());
            if (volume == null) {
                throw PlayException.field(
                        object, where + ".name", "no volume \"" + vm.getName() + "\" in spec.volumes");
            }
            if (vm.getMountPath() == null || !vm.getMountPath().startsWith("/")) {
                throw PlayException.field(object, where + ".mountPath", "must be an absolute path");
            }
            if (vm.getSubPathExpr() != null && !vm.getSubPathExpr().isEmpty()) {
                throw PlayException.field(object, where + ".subPathExpr", "is not supported by jcri play");
            }
            Path host = volume.path();
            String subPath = vm.getSubPath();
            if (subPath != null && !subPath.isEmpty()) {
                if (subPath.startsWith("/") || List.of(subPath.split("/")).contains("..")) {
                    throw PlayException.field(object, where + ".subPath", "must be a relative path without '..'");
                }
                host = host.resolve(subPath);
            }
            ownHosts |= vm.getMountPath().equals("/etc/hosts");
            mounts.add(Mount.newBuilder()
                    .setContainerPath(vm.getMountPath())
                    .setHostPath(host.toString())
                    .setReadonly(Boolean.TRUE.equals(vm.getReadOnly()) || volume.readOnly())
                    .setRecursiveReadOnly("Enabled".equals(vm.getRecursiveReadOnly()))
                    .setPropagation(propagation(pod, vm.getMountPropagation(), where + ".mountPropagation"))
                    .build());
        }
        if (files.etcHosts() != null && !ownHosts) {
            mounts.add(Mount.newBuilder()
                    .setContainerPath("/etc/hosts")
                    .setHostPath(files.etcHosts().toString())
                    .build());
        }
        if (files.terminationLog() != null && !c.getTerminationMessagePath().isEmpty()) {
            mounts.add(Mount.newBuilder()
                    .setContainerPath(c.getTerminationMessagePath())
                    .setHostPath(files.terminationLog().toString())
                    .build());
        }
        return mounts;
    }

    private static MountPropagation propagation(Pod pod, String mode, String field) throws PlayException {
        if (mode == null || mode.isEmpty() || mode.equals("None")) {
            return MountPropagation.PROPAGATION_PRIVATE;
        }
        return switch (mode) {
            case "HostToContainer" -> MountPropagation.PROPAGATION_HOST_TO_CONTAINER;
            case "Bidirectional" -> MountPropagation.PROPAGATION_BIDIRECTIONAL;
            default ->
                throw PlayException.field(
                        PodTranslation.object(pod), field, "must be None, HostToContainer or Bidirectional");
        };
    }

    private static void verifyRunAsNonRoot(Pod pod, Container c, String field, ImageUser imageUser)
            throws PlayException {
        SecurityContext csc = c.getSecurityContext();
        PodSecurityContext psc = pod.getSpec().getSecurityContext();
        Boolean nonRoot = csc != null && csc.getRunAsNonRoot() != null ? csc.getRunAsNonRoot() : psc.getRunAsNonRoot();
        if (!Boolean.TRUE.equals(nonRoot)) {
            return;
        }
        Long uid = csc != null && csc.getRunAsUser() != null ? csc.getRunAsUser() : psc.getRunAsUser();
        if (uid == null) {
            uid = imageUser.uid();
        }
        if (uid != null && uid == 0) {
            throw PlayException.field(
                    PodTranslation.object(pod),
                    field + ".securityContext.runAsNonRoot",
                    "container has runAsNonRoot and its image will run as root");
        }
        if (uid == null && !imageUser.username().isEmpty()) {
            throw PlayException.field(
                    PodTranslation.object(pod),
                    field + ".securityContext.runAsNonRoot",
                    "container has runAsNonRoot and its image has a non-numeric user (" + imageUser.username()
                            + "), cannot verify the user is non-root");
        }
    }

    LinuxContainerSecurityContext securityContext(Pod pod, Container c, ImageUser imageUser, long usernsHostId) {
        PodSecurityContext psc = pod.getSpec().getSecurityContext();
        SecurityContext csc = c.getSecurityContext() == null ? new SecurityContext() : c.getSecurityContext();
        LinuxContainerSecurityContext.Builder sc = LinuxContainerSecurityContext.newBuilder();
        if (csc.getCapabilities() != null) {
            sc.setCapabilities(Capability.newBuilder()
                    .addAllAddCapabilities(csc.getCapabilities().getAdd())
                    .addAllDropCapabilities(csc.getCapabilities().getDrop()));
        }
        var selinux = csc.getSeLinuxOptions() != null ? csc.getSeLinuxOptions() : psc.getSeLinuxOptions();
        if (selinux != null) {
            sc.setSelinuxOptions(PodTranslation.selinux(selinux));
        }
        Long runAsUser = csc.getRunAsUser() != null ? csc.getRunAsUser() : psc.getRunAsUser();
        Long runAsGroup = csc.getRunAsGroup() != null ? csc.getRunAsGroup() : psc.getRunAsGroup();
        if (runAsUser != null) {
            sc.setRunAsUser(Int64Value.newBuilder().setValue(runAsUser));
        } else if (imageUser.uid() != null) {
            sc.setRunAsUser(Int64Value.newBuilder().setValue(imageUser.uid()));
        } else if (!imageUser.username().isEmpty()) {
            sc.setRunAsUsername(imageUser.username());
        }
        if (runAsGroup != null) {
            sc.setRunAsGroup(Int64Value.newBuilder().setValue(runAsGroup));
        }
        sc.setPrivileged(Boolean.TRUE.equals(csc.getPrivileged()));
        sc.setReadonlyRootfs(Boolean.TRUE.equals(csc.getReadOnlyRootFilesystem()));
        sc.setSeccomp(seccomp(csc.getSeccompProfile() != null ? csc.getSeccompProfile() : psc.getSeccompProfile()));
        sc.setNamespaceOptions(PodTranslation.namespaces(pod, usernsHostId));
        if (psc.getFsGroup() != null) {
            sc.addSupplementalGroups(psc.getFsGroup());
        }
        sc.addAllSupplementalGroups(psc.getSupplementalGroups());
        // allowPrivilegeEscalation: false is the only way to no_new_privs.
        sc.setNoNewPrivs(Boolean.FALSE.equals(csc.getAllowPrivilegeEscalation()));
        boolean unmasked = "Unmasked".equals(csc.getProcMount());
        sc.addAllMaskedPaths(unmasked ? List.of() : DEFAULT_MASKED_PATHS);
        sc.addAllReadonlyPaths(unmasked ? List.of() : DEFAULT_READONLY_PATHS);
        return sc.build();
    }

    /** The container's profile, else the pod's, else Unconfined (kubelet's default while seccompDefault is off). */
    SecurityProfile seccomp(SeccompProfile profile) {
        if (profile == null) {
            return SecurityProfile.newBuilder()
                    .setProfileType(SecurityProfile.ProfileType.Unconfined)
                    .build();
        }
        return switch (profile.getType()) {
            case "RuntimeDefault" ->
                SecurityProfile.newBuilder()
                        .setProfileType(SecurityProfile.ProfileType.RuntimeDefault)
                        .build();
            case "Localhost" ->
                SecurityProfile.newBuilder()
                        .setProfileType(SecurityProfile.ProfileType.Localhost)
                        .setLocalhostRef(node.seccompRoot()
                                .resolve(profile.getLocalhostProfile())
                                .toString())
                        .build();
            default ->
                SecurityProfile.newBuilder()
                        .setProfileType(SecurityProfile.ProfileType.Unconfined)
                        .build();
        };
    }
}
