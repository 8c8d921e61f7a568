package dev.jcri.server.play;

import dev.jcri.cri.v1.Container;
import dev.jcri.cri.v1.ContainerConfig;
import dev.jcri.cri.v1.ContainerFilter;
import dev.jcri.cri.v1.ContainerState;
import dev.jcri.cri.v1.ContainerStatus;
import dev.jcri.cri.v1.ContainerStatusRequest;
import dev.jcri.cri.v1.CreateContainerRequest;
import dev.jcri.cri.v1.IDMapping;
import dev.jcri.cri.v1.ImageServiceGrpc;
import dev.jcri.cri.v1.ListContainersRequest;
import dev.jcri.cri.v1.ListPodSandboxRequest;
import dev.jcri.cri.v1.PodIP;
import dev.jcri.cri.v1.PodSandbox;
import dev.jcri.cri.v1.PodSandboxConfig;
import dev.jcri.cri.v1.PodSandboxFilter;
import dev.jcri.cri.v1.PodSandboxState;
import dev.jcri.cri.v1.PodSandboxStatus;
import dev.jcri.cri.v1.PodSandboxStatusRequest;
import dev.jcri.cri.v1.RemoveContainerRequest;
import dev.jcri.cri.v1.RemovePodSandboxRequest;
import dev.jcri.cri.v1.RunPodSandboxRequest;
import dev.jcri.cri.v1.RuntimeServiceGrpc;
import dev.jcri.cri.v1.StartContainerRequest;
import dev.jcri.cri.v1.StopContainerRequest;
import dev.jcri.cri.v1.StopPodSandboxRequest;
import dev.jcri.linux.FileTree;
import io.fabric8.kubernetes.api.model.Pod;
import io.grpc.StatusRuntimeException;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.stream.Stream;

/**
 * The CRI calls kubelet makes for a pod, in its order: volumes, RunPodSandbox, PodSandboxStatus (the pod's IPs),
 * then each init container pulled, created, started and run to completion one by one, then the app containers
 * pulled, created and started in order. A pod that fails is stopped and removed again (unless kept), volumes too;
 * {@link #down} stops containers with the pod's grace period, then the sandbox, and removes both.
 */
public final class PodRunner {
    static final int LOG_TAIL_LINES = 10;
    static final long MIN_GRACE_SECONDS = 2;

    /** A container the runner started: its manifest entry, its CRI ID, and the config it was created from. */
    record StartedContainer(
            io.fabric8.kubernetes.api.model.Container spec, String field, String id, int restartCount) {}

    /** A pod the runner brought up. */
    public record RunningPod(
            Pod pod,
            String sandboxId,
            PodSandboxConfig sandboxConfig,
            List<String> podIps,
            ContainerTranslation.HostFiles files,
            long usernsHostId,
            Map<String, StartedContainer> containers) {}

    private final RuntimeServiceGrpc.RuntimeServiceBlockingStub runtime;
    private final ImagePulls pulls;
    private final NodeFacts node;
    private final VolumeMaterialiser volumes;
    private final PodTranslation pods;
    private final ContainerTranslation containers;
    private final boolean keepFailed;
    private final Duration initRetry;
    private final PrintStream out;

    /**
     * @param initRetry under {@code --follow}: the initial back-off of failed init containers, which are then
     *     restarted (and their logs shown) as kubelet does; null ends the play at the first failure
     */
    public PodRunner(
            CriEndpoint endpoint,
            NodeFacts node,
            Path stateDir,
            boolean keepFailed,
            Duration initRetry,
            PrintStream out) {
        this.initRetry = initRetry;
        this.runtime = RuntimeServiceGrpc.newBlockingStub(endpoint.channel());
        this.pulls = new ImagePulls(ImageServiceGrpc.newBlockingStub(endpoint.channel()));
        this.node = node;
        this.volumes = new VolumeMaterialiser(stateDir);
        this.pods = new PodTranslation(node);
        this.containers = new ContainerTranslation(node);
        this.keepFailed = keepFailed;
        this.out = out;
    }

    RuntimeServiceGrpc.RuntimeServiceBlockingStub runtime() {
        return runtime;
    }

    NodeFacts node() {
        return node;
    }

    /** Checks every pod of the stream, then runs them one after another; the first failure ends the play. */
    public List<RunningPod> up(Manifests manifests) throws PlayException {
        for (Pod pod : manifests.pods()) {
            PodDefaults.apply(pod);
            PodChecks.check(pod);
            volumes.check(pod, manifests);
            List<PodSandbox> existing = sandboxes(pod);
            if (!existing.isEmpty()) {
                throw new PlayException(PodTranslation.object(pod) + " already runs (sandbox "
                        + existing.getFirst().getId().substring(0, 13) + "); run jcri play --down first");
            }
        }
        List<RunningPod> running = new ArrayList<>();
        for (Pod pod : manifests.pods()) {
            running.add(start(pod, manifests));
        }
        return running;
    }

    private RunningPod start(Pod pod, Manifests manifests) throws PlayException {
        String object = PodTranslation.object(pod);
        String uid = pod.getMetadata().getUid();
        Map<String, VolumeMaterialiser.HostVolume> hostVolumes = volumes.materialise(pod, manifests);
        String sandboxId = null;
        try {
            long userns = Boolean.FALSE.equals(pod.getSpec().getHostUsers()) ? usernsHostId(pod) : -1;
            PodSandboxConfig config = pods.sandbox(pod, 0, userns);
            Files.createDirectories(Path.of(config.getLogDirectory()));
            sandboxId = runtime.runPodSandbox(RunPodSandboxRequest.newBuilder()
                            .setConfig(config)
                            .setRuntimeHandler(orEmpty(pod.getSpec().getRuntimeClassName()))
                            .build())
                    .getPodSandboxId();
            PodSandboxStatus status = runtime.podSandboxStatus(PodSandboxStatusRequest.newBuilder()
                            .setPodSandboxId(sandboxId)
                            .build())
                    .getStatus();
            List<String> ips = new ArrayList<>();
            if (!status.getNetwork().getIp().isEmpty()) {
                ips.add(status.getNetwork().getIp());
            }
            for (PodIP ip : status.getNetwork().getAdditionalIpsList()) {
                ips.add(ip.getIp());
            }
            if (PodTranslation.hostNetwork(pod)) {
                ips = List.of(node.hostIp());
            }
            Path etcHosts =
                    volumes.writeHosts(pod, ips, PodTranslation.hostname(pod), hostsOfNode(), node.clusterDomain());
            ContainerTranslation.HostFiles files = new ContainerTranslation.HostFiles(hostVolumes, etcHosts, null);
            RunningPod running =
                    new RunningPod(pod, sandboxId, config, List.copyOf(ips), files, userns, new LinkedHashMap<>());
            out.println("pod " + pod.getMetadata().getNamespace() + "/"
                    + pod.getMetadata().getName() + " " + sandboxId);
            List<io.fabric8.kubernetes.api.model.Container> inits =
                    pod.getSpec().getInitContainers();
            for (int i = 0; i < inits.size(); i++) {
                runInit(running, inits.get(i), "spec.initContainers[" + i + "]", manifests);
            }
            List<io.fabric8.kubernetes.api.model.Container> apps = pod.getSpec().getContainers();
            for (int i = 0; i < apps.size(); i++) {
                StartedContainer app = startContainer(running, apps.get(i), "spec.containers[" + i + "]", 0, manifests);
                running.containers().put(app.spec().getName(), app);
            }
            return running;
        } catch (PlayException | IOException | StatusRuntimeException e) {
            if (sandboxId != null && keepFailed) {
                out.println("kept the failed pod's sandbox " + sandboxId + " (--keep-failed)");
            } else {
                if (sandboxId != null) {
                    remove(sandboxId, 0);
                }
                removeFiles(pod, uid);
            }
            if (e instanceof PlayException play) {
                throw play;
            }
            if (e instanceof StatusRuntimeException rpc) {
                throw new PlayException(
                        object + ": " + (sandboxId == null ? "RunPodSandbox" : "sandbox " + sandboxId) + ": "
                                + rpc.getStatus().getCode() + ": "
                                + rpc.getStatus().getDescription(),
                        e);
            }
            throw new PlayException(object + ": " + e.getMessage(), e);
        }
    }

    /**
     * One init container to completion. A failure ends the play, except under {@code --follow} with a restart
     * policy other than Never, where kubelet's back-off restarts it as often as it takes.
     */
    private void runInit(
            RunningPod running, io.fabric8.kubernetes.api.model.Container spec, String field, Manifests manifests)
            throws PlayException {
        Pod pod = running.pod();
        String prefix = "[" + pod.getMetadata().getName() + "/" + spec.getName() + "] ";
        boolean retry = initRetry != null && !pod.getSpec().getRestartPolicy().equals("Never");
        RestartBackoff backoff = retry ? new RestartBackoff(initRetry) : null;
        StartedContainer init = startContainer(running, spec, field, 0, manifests);
        try {
            while (true) {
                ContainerLogStream log = initRetry == null
                        ? null
                        : ContainerLogStream.start(
                                Path.of(running.sandboxConfig().getLogDirectory())
                                        .resolve(spec.getName())
                                        .resolve(init.restartCount() + ".log"),
                                prefix,
                                out);
                ContainerStatus exited = awaitExit(init.id());
                if (log != null) {
                    log.finish();
                }
                if (exited.getExitCode() == 0) {
                    return;
                }
                if (!retry) {
                    throw new PlayException(PodTranslation.object(pod) + ": " + field + " (\"" + spec.getName()
                            + "\") exited with code " + exited.getExitCode()
                            + logTail(running.sandboxConfig(), init));
                }
                Instant finished = Instant.ofEpochSecond(0, exited.getFinishedAt());
                Duration wait = backoff.next(finished);
                out.println(prefix + "exited with code " + exited.getExitCode() + "; back-off " + wait.toMillis()
                        + " ms before restart " + (init.restartCount() + 1));
                Duration left = Duration.between(Instant.now(), finished.plus(wait));
                if (!left.isNegative()) {
                    Thread.sleep(left.toMillis());
                }
                String previous = init.id();
                init = startContainer(running, spec, field, init.restartCount() + 1, manifests);
                runtime.removeContainer(RemoveContainerRequest.newBuilder()
                        .setContainerId(previous)
                        .build());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new PlayException(PodTranslation.object(pod) + ": interrupted while " + field + " ran");
        }
    }

    /** Pull, create and start one container: kubelet's startContainer. */
    StartedContainer startContainer(
            RunningPod running,
            io.fabric8.kubernetes.api.model.Container c,
            String field,
            int restartCount,
            Manifests manifests)
            throws PlayException {
        Pod pod = running.pod();
        ImagePulls.PulledImage image = pulls.ensure(pod, c, field, manifests, running.sandboxConfig());
        ContainerEnvironment.PodFacts facts = new ContainerEnvironment.PodFacts(
                running.podIps().isEmpty() ? "" : running.podIps().getFirst(),
                running.podIps(),
                node.hostIp(),
                node.nodeName(),
                node.cpus(),
                node.memoryCapacity());
        Map<String, String> env = ContainerEnvironment.resolve(pod, c, field, manifests, facts);
        ContainerTranslation.HostFiles files = new ContainerTranslation.HostFiles(
                running.files().volumes(), running.files().etcHosts(), volumes.terminationLog(pod, c.getName()));
        ContainerConfig config = containers.container(
                pod, c, field, restartCount, image.ref(), image.user(), env, files, running.usernsHostId());
        String id;
        try {
            Files.createDirectories(
                    Path.of(running.sandboxConfig().getLogDirectory()).resolve(c.getName()));
            id = runtime.createContainer(CreateContainerRequest.newBuilder()
                            .setPodSandboxId(running.sandboxId())
                            .setConfig(config)
                            .setSandboxConfig(running.sandboxConfig())
                            .build())
                    .getContainerId();
        } catch (StatusRuntimeException e) {
            throw PlayException.field(
                    PodTranslation.object(pod),
                    field,
                    "CreateContainer \"" + c.getName() + "\": " + e.getStatus().getCode() + ": "
                            + e.getStatus().getDescription());
        } catch (IOException e) {
            throw PlayException.field(PodTranslation.object(pod), field, "log directory: " + e.getMessage());
        }
        try {
            runtime.startContainer(
                    StartContainerRequest.newBuilder().setContainerId(id).build());
        } catch (StatusRuntimeException e) {
            throw PlayException.field(
                    PodTranslation.object(pod),
                    field,
                    "StartContainer \"" + c.getName() + "\": " + e.getStatus().getCode() + ": "
                            + e.getStatus().getDescription());
        }
        out.println("  container " + c.getName() + " " + id);
        return new StartedContainer(c, field, id, restartCount);
    }

    ContainerStatus status(String containerId) {
        return runtime.containerStatus(ContainerStatusRequest.newBuilder()
                        .setContainerId(containerId)
                        .build())
                .getStatus();
    }

    private ContainerStatus awaitExit(String containerId) throws PlayException {
        try {
            while (true) {
                ContainerStatus status = status(containerId);
                if (status.getState() == ContainerState.CONTAINER_EXITED) {
                    return status;
                }
                Thread.sleep(100);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new PlayException("interrupted while waiting for container " + containerId);
        }
    }

    /** The last lines a container wrote, without the CRI log prefix, for an error message. */
    static String logTail(PodSandboxConfig sandbox, StartedContainer c) {
        Path log =
                Path.of(sandbox.getLogDirectory()).resolve(c.spec().getName()).resolve(c.restartCount() + ".log");
        try {
            List<String> lines = Files.readAllLines(log);
            List<String> tail = lines.subList(Math.max(0, lines.size() - LOG_TAIL_LINES), lines.size());
            if (tail.isEmpty()) {
                return "; it wrote no log";
            }
            StringBuilder text = new StringBuilder("; its last log lines:");
            for (String line : tail) {
                text.append("\n  ").append(CriLogLine.parse(line).text());
            }
            return text.toString();
        } catch (IOException e) {
            return "; its log " + log + " cannot be read: " + e.getMessage();
        }
    }

    /** Stops and removes what a manifest's pods left on the node, found by kubelet's labels; nothing there is fine. */
    public void down(Manifests manifests) {
        for (Pod pod : manifests.pods()) {
            PodDefaults.apply(pod);
            String name =
                    pod.getMetadata().getNamespace() + "/" + pod.getMetadata().getName();
            List<PodSandbox> found = sandboxes(pod);
            if (found.isEmpty()) {
                out.println("pod " + name + ": nothing to remove");
            }
            for (PodSandbox sandbox : found) {
                remove(sandbox.getId(), pod.getSpec().getTerminationGracePeriodSeconds());
                removeFiles(pod, sandbox.getMetadata().getUid());
                out.println("removed pod " + name + " " + sandbox.getId());
            }
        }
    }

    /** Stops a pod this runner started with its grace period, removes it and its volumes. */
    void removePod(RunningPod pod) {
        try {
            remove(pod.sandboxId(), pod.pod().getSpec().getTerminationGracePeriodSeconds());
        } catch (StatusRuntimeException e) {
            out.println("removing sandbox " + pod.sandboxId() + ": "
                    + e.getStatus().getCode() + ": " + e.getStatus().getDescription());
        }
        removeFiles(pod.pod(), pod.pod().getMetadata().getUid());
    }

    /** What kubelet removes with a pod besides its sandbox: the pod's volumes and its log directory. */
    private void removeFiles(Pod pod, String uid) {
        volumes.remove(uid);
        Path logs = node.podLogsRoot()
                .resolve(pod.getMetadata().getNamespace() + "_"
                        + pod.getMetadata().getName() + "_" + uid);
        try {
            FileTree.delete(logs);
        } catch (IOException e) {
            out.println("cannot remove " + logs + ": " + e.getMessage());
        }
    }

    /** kubelet's KillPod: running containers stopped at once with the grace period, then the sandbox; then removal. */
    void remove(String sandboxId, long graceSeconds) {
        // kubelet never gives a container less than 2 s.
        long grace = Math.max(MIN_GRACE_SECONDS, graceSeconds);
        List<Container> running = runtime
                .listContainers(ListContainersRequest.newBuilder()
                        .setFilter(ContainerFilter.newBuilder().setPodSandboxId(sandboxId))
                        .build())
                .getContainersList()
                .stream()
                .filter(c -> c.getState() == ContainerState.CONTAINER_RUNNING)
                .toList();
        try (var stops = Executors.newVirtualThreadPerTaskExecutor()) {
            for (Container c : running) {
                stops.submit(() -> runtime.stopContainer(StopContainerRequest.newBuilder()
                        .setContainerId(c.getId())
                        .setTimeout(grace)
                        .build()));
            }
        }
        runtime.stopPodSandbox(
                StopPodSandboxRequest.newBuilder().setPodSandboxId(sandboxId).build());
        runtime.removePodSandbox(
                RemovePodSandboxRequest.newBuilder().setPodSandboxId(sandboxId).build());
    }

    private List<PodSandbox> sandboxes(Pod pod) {
        return runtime.listPodSandbox(ListPodSandboxRequest.newBuilder()
                        .setFilter(PodSandboxFilter.newBuilder()
                                .putLabelSelector(
                                        PodTranslation.POD_NAME,
                                        pod.getMetadata().getName())
                                .putLabelSelector(
                                        PodTranslation.POD_NAMESPACE,
                                        pod.getMetadata().getNamespace()))
                        .build())
                .getItemsList();
    }

    /**
     * A 65536-ID range no live pod of the runtime maps (kubelet keeps its own allocator; here the runtime's pods
     * are the record), picked from the pod's UID so a replay tends to get the same one.
     */
    private long usernsHostId(Pod pod) {
        Set<Long> taken = new HashSet<>();
        for (PodSandbox sandbox : runtime.listPodSandbox(ListPodSandboxRequest.getDefaultInstance())
                .getItemsList()) {
            if (sandbox.getState() != PodSandboxState.SANDBOX_READY) {
                continue;
            }
            PodSandboxStatus status = runtime.podSandboxStatus(PodSandboxStatusRequest.newBuilder()
                            .setPodSandboxId(sandbox.getId())
                            .build())
                    .getStatus();
            for (IDMapping m : status.getLinux()
                    .getNamespaces()
                    .getOptions()
                    .getUsernsOptions()
                    .getUidsList()) {
                taken.add(Integer.toUnsignedLong(m.getHostId()) / PodTranslation.USERNS_LENGTH);
            }
        }
        // Blocks 1..32767: above the node's own users, below the 31-bit limit some tools assume.
        long block = 1 + Math.floorMod(pod.getMetadata().getUid().hashCode(), 32766);
        while (taken.contains(block)) {
            block = 1 + block % 32766;
        }
        return block * PodTranslation.USERNS_LENGTH;
    }

    private static String hostsOfNode() {
        try {
            return Files.readString(Path.of("/etc/hosts"));
        } catch (IOException e) {
            return "";
        }
    }

    static Stream<io.fabric8.kubernetes.api.model.Container> all(Pod pod) {
        return Stream.concat(pod.getSpec().getInitContainers().stream(), pod.getSpec().getContainers().stream());
    }

    private static String orEmpty(String s) {
        return s == null ? "" : s;
    }
}
