package dev.jcri.sandbox.container.spec;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;

/**
 * What a container asks for, as the server translated it from the CRI {@code ContainerConfig}: plain Java, so that
 * the domain does not depend on the wire contract. Absent values are empty strings, empty collections, zero.
 *
 * @param command replaces the image's Entrypoint (and drops its Cmd) when not empty
 * @param args replaces the image's Cmd when not empty
 * @param env in the order the CRI gave them; a later entry overrides an earlier one with the same key
 * @param logPath relative to the pod's log directory, empty for none
 * @param stopSignal a signal name such as {@code SIGTERM}, empty to use the image's or SIGTERM
 */
public record ContainerSpec(
        String name,
        long attempt,
        List<String> command,
        List<String> args,
        String workingDir,
        List<EnvVar> env,
        List<MountSpec> mounts,
        List<DeviceSpec> devices,
        Map<String, String> labels,
        Map<String, String> annotations,
        String logPath,
        boolean stdin,
        boolean stdinOnce,
        boolean tty,
        Resources resources,
        Security security,
        String stopSignal) {

    public ContainerSpec {
        name = orEmpty(name);
        command = listOf(command);
        args = listOf(args);
        workingDir = orEmpty(workingDir);
        env = listOf(env);
        mounts = listOf(mounts);
        devices = listOf(devices);
        labels = labels == null ? Map.of() : Map.copyOf(labels);
        annotations = annotations == null ? Map.of() : Map.copyOf(annotations);
        logPath = orEmpty(logPath);
        resources = resources == null ? Resources.NONE : resources;
        security = security == null ? Security.DEFAULT : security;
        stopSignal = orEmpty(stopSignal);
    }

    /** A spec of {@code name} with nothing else asked for: what a builder starts from. */
    public static Builder builder(String name) {
        return new Builder(name);
    }

    /** Names each value a spec sets; what is not set stays absent (empty, zero, false, the defaults). */
    public static final class Builder {
        private final String name;
        private long attempt;
        private List<String> command = List.of();
        private List<String> args = List.of();
        private String workingDir = "";
        private List<EnvVar> env = List.of();
        private List<MountSpec> mounts = List.of();
        private List<DeviceSpec> devices = List.of();
        private Map<String, String> labels = Map.of();
        private Map<String, String> annotations = Map.of();
        private String logPath = "";
        private boolean stdin;
        private boolean stdinOnce;
        private boolean tty;
        private Resources resources = Resources.NONE;
        private Security security = Security.DEFAULT;
        private String stopSignal = "";

        private Builder(String name) {
            this.name = name;
        }

        public Builder attempt(long value) {
            this.attempt = value;
            return this;
        }

        public Builder command(List<String> value) {
            this.command = value;
            return this;
        }

        public Builder args(List<String> value) {
            this.args = value;
            return this;
        }

        public Builder workingDir(String value) {
            this.workingDir = value;
            return this;
        }

        public Builder env(List<EnvVar> value) {
            this.env = value;
            return this;
        }

        public Builder mounts(List<MountSpec> value) {
            this.mounts = value;
            return this;
        }

        public Builder devices(List<DeviceSpec> value) {
            this.devices = value;
            return this;
        }

        public Builder labels(Map<String, String> value) {
            this.labels = value;
            return this;
        }

        public Builder annotations(Map<String, String> value) {
            this.annotations = value;
            return this;
        }

        /** Relative to the pod's log directory. */
        public Builder logPath(String value) {
            this.logPath = value;
            return this;
        }

        /** stdin kept open, closed after the first attach ({@code once}), and a terminal. */
        public Builder stdio(boolean openStdin, boolean once, boolean terminal) {
            this.stdin = openStdin;
            this.stdinOnce = once;
            this.tty = terminal;
            return this;
        }

        public Builder resources(Resources value) {
            this.resources = value;
            return this;
        }

        public Builder security(Security value) {
            this.security = value;
            return this;
        }

        public Builder stopSignal(String value) {
            this.stopSignal = value;
            return this;
        }

        public ContainerSpec build() {
            return new ContainerSpec(
                    name,
                    attempt,
                    command,
                    args,
                    workingDir,
                    env,
                    mounts,
                    devices,
                    labels,
                    annotations,
                    logPath,
                    stdin,
                    stdinOnce,
                    tty,
                    resources,
                    security,
                    stopSignal);
        }
    }

    /** A builder holding every value of this spec: what the {@code with*} copies start from. */
    public Builder toBuilder() {
        return builder(name)
                .attempt(attempt)
                .command(command)
                .args(args)
                .workingDir(workingDir)
                .env(env)
                .mounts(mounts)
                .devices(devices)
                .labels(labels)
                .annotations(annotations)
                .logPath(logPath)
                .stdio(stdin, stdinOnce, tty)
                .resources(resources)
                .security(security)
                .stopSignal(stopSignal);
    }

    public ContainerSpec withAnnotations(Map<String, String> newAnnotations) {
        return toBuilder().annotations(newAnnotations).build();
    }

    public ContainerSpec withMounts(List<MountSpec> newMounts) {
        return toBuilder().mounts(newMounts).build();
    }

    public ContainerSpec withResources(Resources newResources) {
        return toBuilder().resources(newResources).build();
    }

    public ContainerSpec withSecurity(Security newSecurity) {
        return toBuilder().security(newSecurity).build();
    }

    /** One CRI {@code KeyValue} of {@code envs}. */
    public record EnvVar(String key, String value) {
        public EnvVar {
            key = orEmpty(key);
            value = orEmpty(value);
        }
    }

    /**
     * CRI {@code LinuxContainerResources}; zero (or empty) means unset, as in the CRI.
     *
     * @param memorySwapLimitBytes memory plus swap; unset with a memory limit means no swap beyond the limit
     * @param pidsLimit the CRI has no per-container pids limit; zero leaves it unset
     */
    public record Resources(
            long cpuPeriod,
            long cpuQuota,
            long cpuShares,
            long memoryLimitBytes,
            long memorySwapLimitBytes,
            long oomScoreAdj,
            String cpusetCpus,
            String cpusetMems,
            List<HugepageLimit> hugepageLimits,
            Map<String, String> unified,
            long pidsLimit) {

        public static final Resources NONE = new Resources(0, 0, 0, 0, 0, 0, "", "", List.of(), Map.of(), 0);

        public Resources {
            cpusetCpus = orEmpty(cpusetCpus);
            cpusetMems = orEmpty(cpusetMems);
            hugepageLimits = listOf(hugepageLimits);
            unified = unified == null ? Map.of() : Map.copyOf(unified);
        }
    }

    /** @param pageSize as the kernel names hugetlb files: {@code 2MB}, {@code 1GB}, {@code 64KB} */
    public record HugepageLimit(String pageSize, long limit) {
        public HugepageLimit {
            pageSize = orEmpty(pageSize);
        }
    }

    /** CRI PID namespace modes for a container. */
    public enum PidMode {
        /** A PID namespace of its own. */
        CONTAINER,
        /** The pod's shared PID namespace. */
        POD,
        /** The host's. */
        NODE
    }

    /**
     * CRI {@code LinuxContainerSecurityContext}, the parts the spec uses so far.
     *
     * @param runAsUser wins over {@code runAsUsername}; null when unset
     * @param runAsGroup overrides the user's primary group; null when unset
     * @param capabilitiesAdd names with or without {@code CAP_}, or {@code ALL}
     * @param maskedPaths null means the defaults; a list (even empty) means exactly those
     * @param readonlyPaths null means the defaults; a list (even empty) means exactly those
     * @param strictSupplementalGroups the CRI's Strict policy: only the groups asked for, not those the image's
     *     /etc/group gives the user (Merge)
     */
    public record Security(
            Long runAsUser,
            String runAsUsername,
            Long runAsGroup,
            List<Long> supplementalGroups,
            boolean readonlyRootfs,
            boolean privileged,
            boolean noNewPrivs,
            List<String> capabilitiesAdd,
            List<String> capabilitiesDrop,
            List<String> capabilitiesAddAmbient,
            List<String> maskedPaths,
            List<String> readonlyPaths,
            PidMode pidMode,
            SeccompProfile seccomp,
            boolean strictSupplementalGroups) {

        public static final Security DEFAULT = new Security(
                null,
                "",
                null,
                List.of(),
                false,
                false,
                false,
                List.of(),
                List.of(),
                List.of(),
                null,
                null,
                PidMode.CONTAINER,
                SeccompProfile.UNCONFINED,
                false);

        public Security {
            runAsUsername = orEmpty(runAsUsername);
            supplementalGroups = listOf(supplementalGroups);
            capabilitiesAdd = listOf(capabilitiesAdd);
            capabilitiesDrop = listOf(capabilitiesDrop);
            capabilitiesAddAmbient = listOf(capabilitiesAddAmbient);
            maskedPaths = maskedPaths == null ? null : List.copyOf(maskedPaths);
            readonlyPaths = readonlyPaths == null ? null : List.copyOf(readonlyPaths);
            pidMode = pidMode == null ? PidMode.CONTAINER : pidMode;
            seccomp = seccomp == null ? SeccompProfile.UNCONFINED : seccomp;
        }

        public Security withPidMode(PidMode newPidMode) {
            return new Security(
                    runAsUser,
                    runAsUsername,
                    runAsGroup,
                    supplementalGroups,
                    readonlyRootfs,
                    privileged,
                    noNewPrivs,
                    capabilitiesAdd,
                    capabilitiesDrop,
                    capabilitiesAddAmbient,
                    maskedPaths,
                    readonlyPaths,
                    newPidMode,
                    seccomp,
                    strictSupplementalGroups);
        }
    }

    static String orEmpty(String value) {
        return value == null ? "" : value;
    }

    /** Copies, refusing null elements with a message rather than List.copyOf's bare NPE. */
    static <T> List<T> listOf(List<T> values) {
        if (values == null) {
            return List.of();
        }
        List<T> copy = new ArrayList<>(values.size());
        for (T value : values) {
            if (value == null) {
                throw new IllegalArgumentException("a list in the container config holds a null element");
            }
            copy.add(value);
        }
        return Collections.unmodifiableList(copy);
    }
}
