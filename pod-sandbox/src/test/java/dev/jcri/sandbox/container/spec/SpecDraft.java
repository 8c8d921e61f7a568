package dev.jcri.sandbox.container.spec;

import dev.jcri.image.store.ImageConfigSummary;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** A mutable container config, pod and image for tests: set what a test is about, build the records. */
final class SpecDraft {
    List<String> command = new ArrayList<>();
    List<String> args = new ArrayList<>();
    String workingDir = "";
    List<ContainerSpec.EnvVar> env = new ArrayList<>();
    List<MountSpec> mounts = new ArrayList<>();
    List<DeviceSpec> devices = new ArrayList<>();
    Map<String, String> annotations = new LinkedHashMap<>();
    boolean tty;
    ContainerSpec.Resources resources = ContainerSpec.Resources.NONE;

    Long runAsUser;
    String runAsUsername = "";
    Long runAsGroup;
    List<Long> supplementalGroups = new ArrayList<>();
    boolean readonlyRootfs;
    boolean privileged;
    boolean noNewPrivs;
    List<String> capAdd = new ArrayList<>();
    List<String> capDrop = new ArrayList<>();
    List<String> capAmbient = new ArrayList<>();
    List<String> maskedPaths;
    List<String> readonlyPaths;
    ContainerSpec.PidMode pidMode = ContainerSpec.PidMode.CONTAINER;

    String imageUser = "";
    List<String> imageEnv = new ArrayList<>(List.of("PATH=/image/bin", "LANG=C.UTF-8"));
    List<String> entrypoint = new ArrayList<>();
    List<String> cmd = new ArrayList<>(List.of("/bin/sh"));
    String imageWorkingDir = "";

    String hostname = "web-0";
    String netns = "/run/jcri/ns/net/pod1";
    String ipcns = "/run/jcri/ns/ipc/pod1";
    String utsns = "/run/jcri/ns/uts/pod1";
    String pidns = "";
    String resolvConf = "/var/lib/jcri/sandboxes/pod1/resolv.conf";
    String hosts = "/var/lib/jcri/sandboxes/pod1/hosts";
    String hostnameFile = "/var/lib/jcri/sandboxes/pod1/hostname";
    String shm = "/run/jcri/shm/pod1/shm";
    String cgroupParent = "/jcri";
    SeccompProfile seccomp = SeccompProfile.UNCONFINED;
    boolean strictGroups;

    ContainerSpec.Security security() {
        return new ContainerSpec.Security(
                runAsUser,
                runAsUsername,
                runAsGroup,
                supplementalGroups,
                readonlyRootfs,
                privileged,
                noNewPrivs,
                capAdd,
                capDrop,
                capAmbient,
                maskedPaths,
                readonlyPaths,
                pidMode,
                seccomp,
                strictGroups);
    }

    ContainerSpec spec() {
        return new ContainerSpec(
                "app",
                0,
                command,
                args,
                workingDir,
                env,
                mounts,
                devices,
                Map.of("l", "v"),
                annotations,
                "app/0.log",
                false,
                false,
                tty,
                resources,
                security(),
                "");
    }

    ImageConfigSummary image() {
        return new ImageConfigSummary(
                imageUser,
                imageEnv,
                entrypoint,
                cmd,
                imageWorkingDir,
                "",
                Map.of(),
                List.of(),
                List.of(),
                "",
                "linux",
                "amd64");
    }

    SandboxContext sandbox() {
        return new SandboxContext(
                "pod1", hostname, netns, ipcns, utsns, pidns, resolvConf, hosts, hostnameFile, shm, cgroupParent);
    }

    /** The pod uses the host's network, IPC and UTS namespaces. */
    SpecDraft hostNamespaces() {
        netns = "";
        ipcns = "";
        utsns = "";
        shm = "";
        return this;
    }
}
