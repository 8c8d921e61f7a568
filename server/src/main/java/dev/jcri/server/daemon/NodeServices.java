package dev.jcri.server.daemon;

import dev.jcri.cni.CniConfigDirectory;
import dev.jcri.cni.CniNetworkStatus;
import dev.jcri.cni.CniPluginRunner;
import dev.jcri.cni.CniResultCache;
import dev.jcri.cni.DefaultNetwork;
import dev.jcri.cni.PodNetworking;
import dev.jcri.image.distribution.PlatformSelector;
import dev.jcri.image.distribution.RegistryClient;
import dev.jcri.image.distribution.RegistryCredentials;
import dev.jcri.image.distribution.RegistryException;
import dev.jcri.image.pull.ImagePuller;
import dev.jcri.image.registryconfig.BlockedRegistryException;
import dev.jcri.image.registryconfig.RegistriesConfig;
import dev.jcri.image.store.ImageRecord;
import dev.jcri.image.store.ImageStore;
import dev.jcri.sandbox.CrashPoint;
import dev.jcri.sandbox.Recovery;
import dev.jcri.sandbox.StateLayout;
import dev.jcri.sandbox.cgroup.CgroupDriver;
import dev.jcri.sandbox.cgroup.CgroupLayout;
import dev.jcri.sandbox.cgroup.CgroupfsDriver;
import dev.jcri.sandbox.cgroup.SystemdDriver;
import dev.jcri.sandbox.cgroup.SystemdUnits;
import dev.jcri.sandbox.container.Conmon;
import dev.jcri.sandbox.container.Containers;
import dev.jcri.sandbox.container.OciRuntime;
import dev.jcri.sandbox.container.RuntimeFeatureProbe;
import dev.jcri.sandbox.container.spec.SeccompFilters;
import dev.jcri.sandbox.ns.UserNamespaceSupport;
import dev.jcri.sandbox.pod.PodSandboxes;
import dev.jcri.sandbox.stats.CgroupUsageReader;
import dev.jcri.sandbox.stats.ResourceStats;
import dev.jcri.sandbox.sweep.OrphanSweep;
import dev.jcri.server.config.NodeConfig;
import dev.jcri.server.grpc.ImageServiceEndpoint;
import dev.jcri.server.grpc.RuntimeServiceEndpoint;
import dev.jcri.server.metrics.RuntimeMetrics;
import dev.jcri.server.rpc.container.AttachRpc;
import dev.jcri.server.rpc.container.CheckpointContainerRpc;
import dev.jcri.server.rpc.container.ContainerStatusRpc;
import dev.jcri.server.rpc.container.CreateContainerRpc;
import dev.jcri.server.rpc.container.ExecRpc;
import dev.jcri.server.rpc.container.ExecSyncRpc;
import dev.jcri.server.rpc.container.GetContainerEventsRpc;
import dev.jcri.server.rpc.container.LinuxSecurityModules;
import dev.jcri.server.rpc.container.ListContainersRpc;
import dev.jcri.server.rpc.container.RemoveContainerRpc;
import dev.jcri.server.rpc.container.ReopenContainerLogRpc;
import dev.jcri.server.rpc.container.StartContainerRpc;
import dev.jcri.server.rpc.container.StopContainerRpc;
import dev.jcri.server.rpc.container.StreamContainersRpc;
import dev.jcri.server.rpc.container.UpdateContainerResourcesRpc;
import dev.jcri.server.rpc.image.ImageFsInfoRpc;
import dev.jcri.server.rpc.image.ImageStatusRpc;
import dev.jcri.server.rpc.image.ListImagesRpc;
import dev.jcri.server.rpc.image.PinnedImages;
import dev.jcri.server.rpc.image.PullImageRpc;
import dev.jcri.server.rpc.image.RemoveImageRpc;
import dev.jcri.server.rpc.image.StreamImagesRpc;
import dev.jcri.server.rpc.pod.ListPodSandboxRpc;
import dev.jcri.server.rpc.pod.PodSandboxStatusRpc;
import dev.jcri.server.rpc.pod.PortForwardRpc;
import dev.jcri.server.rpc.pod.RemovePodSandboxRpc;
import dev.jcri.server.rpc.pod.RunPodSandboxRpc;
import dev.jcri.server.rpc.pod.StopPodSandboxRpc;
import dev.jcri.server.rpc.pod.StreamPodSandboxesRpc;
import dev.jcri.server.rpc.pod.UpdatePodSandboxResourcesRpc;
import dev.jcri.server.rpc.runtime.RuntimeConfigRpc;
import dev.jcri.server.rpc.runtime.StatusRpc;
import dev.jcri.server.rpc.runtime.UpdateRuntimeConfigRpc;
import dev.jcri.server.rpc.runtime.VersionRpc;
import dev.jcri.server.rpc.stats.ContainerStatsRpc;
import dev.jcri.server.rpc.stats.ListContainerStatsRpc;
import dev.jcri.server.rpc.stats.ListMetricDescriptorsRpc;
import dev.jcri.server.rpc.stats.ListPodSandboxMetricsRpc;
import dev.jcri.server.rpc.stats.ListPodSandboxStatsRpc;
import dev.jcri.server.rpc.stats.PodSandboxStatsRpc;
import dev.jcri.server.rpc.stats.StreamContainerStatsRpc;
import dev.jcri.server.rpc.stats.StreamPodSandboxMetricsRpc;
import dev.jcri.server.rpc.stats.StreamPodSandboxStatsRpc;
import dev.jcri.server.streaming.StreamingServer;
import dev.jcri.server.streaming.StreamingTls;
import io.grpc.BindableService;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import javax.net.ServerSocketFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Wires the domain objects to the RPC handlers: the one place that knows how the node is assembled. */
public final class NodeServices implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(NodeServices.class);

    private final List<BindableService> grpcServices;
    private final AtomicReference<RegistriesConfig> registries;
    private final Path registriesFile;

    private final Containers containers;
    private final StreamingServer streaming;
    private final RuntimeMetrics metrics;
    private final PeriodicOrphanSweep orphanSweep;

    private NodeServices(
            List<BindableService> grpcServices,
            AtomicReference<RegistriesConfig> registries,
            Path registriesFile,
            Containers containers,
            StreamingServer streaming,
            RuntimeMetrics metrics,
            PeriodicOrphanSweep orphanSweep) {
        this.orphanSweep = orphanSweep;
        this.containers = containers;
        this.streaming = streaming;
        this.metrics = metrics;
        this.grpcServices = grpcServices;
        this.registries = registries;
        this.registriesFile = registriesFile;
    }

    public static NodeServices create(NodeConfig config) throws IOException {
        String crashPoints = CrashPoint.armedDescription();
        if (!crashPoints.isEmpty()) {
            log.warn("test crash points armed, this node dies or pauses on purpose {}", crashPoints);
        }
        AtomicReference<RegistriesConfig> registries =
                new AtomicReference<>(RegistriesConfig.load(config.registriesConfig()));
        ImageStore imageStore = ImageStore.open(config.imageStoreDir());
        ImagePuller puller = new ImagePuller(
                new RegistryClient(),
                registries::get,
                imageStore,
                PlatformSelector.forThisNode(),
                config.maxParallelLayers(),
                config.pullProgressTimeout());
        AtomicReference<String> podCidr = new AtomicReference<>("");
        CniConfigDirectory cniConfigs = new CniConfigDirectory(config.cniConfDirs(), config.cniBinDirs());
        if (config.cniDefaultNetwork()
                && !config.cniConfDirs().isEmpty()
                && cniConfigs.writeDefaultIfNone(
                        config.cniConfDirs().getFirst(),
                        DefaultNetwork.standard(config.root().resolve("cni/networks")))) {
            log.info(
                    "no CNI network config found; wrote jcri's default network dir={} file={}",
                    config.cniConfDirs().getFirst(),
                    CniConfigDirectory.DEFAULT_FILE_NAME);
        }
        PodNetworking podNetworking = new PodNetworking(
                cniConfigs, new CniPluginRunner(cniConfigs.pluginPath()), new CniResultCache(config.cniCacheDir()));
        StateLayout layout = StateLayout.of(config.root(), config.runroot());
        CgroupDriver cgroupDriver = cgroupDriver(config);
        log.info("cgroup driver={} parent={}", cgroupDriver.name(), config.cgroupParent());
        PodSandboxes sandboxes = new PodSandboxes(
                layout,
                podNetworking,
                config.runtimes().keySet(),
                config.defaultRuntime(),
                config.cgroupParent(),
                cgroupDriver);
        Map<String, OciRuntime> runtimes = new LinkedHashMap<>();
        config.runtimes()
                .values()
                .forEach(h -> runtimes.put(
                        h.name(),
                        new OciRuntime(
                                h.name(), h.path(), h.root(), config.runtimeTimeout(), cgroupDriver.runtimeFlags())));
        Containers containers = new Containers(
                layout,
                sandboxes,
                imageStore,
                runtimes,
                new Conmon(config.conmon(), config.runtimeTimeout(), cgroupDriver),
                DaemonProcess.oomScoreAdj(),
                reference -> present(imageStore, puller, reference),
                config.pauseImage());
        sandboxes.attach(containers);
        Map<String, Optional<String>> usernsProblems = new LinkedHashMap<>();
        runtimes.forEach((name, runtime) ->
                usernsProblems.put(name, RuntimeFeatureProbe.userNamespaceProblem(runtime.binary())));
        UserNamespaceSupport userNamespaces = new UserNamespaceSupport(config.imageStoreDir(), usernsProblems);
        // Asked once at startup (one short unshare), so the log tells the operator and Status answers at once.
        runtimes.keySet()
                .forEach(name -> log.info(
                        "user namespaces handler={} {}",
                        name,
                        userNamespaces
                                .missing(name)
                                .map(why -> "not available: " + why)
                                .orElse("available")));
        sandboxes.useUserNamespaces(userNamespaces);
        // `criu check` once, so the log says what CheckpointContainer will answer; off the start-up path (two process
        // spawns, and checkpoints are rare): Status and CheckpointContainer wait for the same memoized answer.
        Thread.ofVirtual()
                .name("checkpoint-probe")
                .start(() -> runtimes.keySet()
                        .forEach(name -> log.info(
                                "checkpoint handler={} {}",
                                name,
                                containers
                                        .checkpointProblem(name)
                                        .map(why -> "not available: " + why)
                                        .orElse("available"))));
        if (!config.seccompDefaultProfile().isEmpty()) {
            containers.useSeccompFilters(SeccompFilters.withDefault(Path.of(config.seccompDefaultProfile())));
        }
        OrphanSweep orphans = new OrphanSweep(
                layout, config.cgroupParent(), sandboxes, containers, runtimes.values(), podNetworking, imageStore);
        if (cgroupDriver instanceof SystemdDriver systemd) {
            orphans.sweepUnitsOf(systemd);
        }
        OrphanSweep.Result swept;
        try {
            Recovery recoveredContainers = containers.recover();
            Recovery recoveredPods = sandboxes.recover();
            // After recovery, so that what it undid is no longer on the node and what it kept has its records.
            swept = orphans.sweep();
            log.info(
                    "recovered pods={} containers={} cleaned_leftovers={}",
                    recoveredPods.restored(),
                    recoveredContainers.restored(),
                    recoveredPods.cleaned() + recoveredContainers.cleaned() + swept.total());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted during recovery", e);
        }
        RuntimeMetrics metrics = new RuntimeMetrics(containers, sandboxes);
        metrics.orphansRemoved(swept.byKind());
        PeriodicOrphanSweep orphanSweep =
                PeriodicOrphanSweep.start(orphans, config.orphanSweepInterval(), metrics::orphansRemoved);
        podNetworking.observeWith(metrics::cniObserved);
        ResourceStats stats =
                new ResourceStats(containers, sandboxes, CgroupUsageReader.forLayout(CgroupLayout.ofHost()));
        Optional<Path[]> tls = config.streamingTls();
        StreamingServer streaming = new StreamingServer(
                        tls.isPresent()
                                ? StreamingTls.serverSocketFactory(tls.get()[0], tls.get()[1])
                                : ServerSocketFactory.getDefault(),
                        tls.isPresent(),
                        config.streamingAddress(),
                        config.streamingPort(),
                        config.streamingIdleTimeout(),
                        containers,
                        sandboxes)
                .start();
        RuntimeServiceEndpoint runtime = new RuntimeServiceEndpoint(new RuntimeServiceEndpoint.Handlers(
                new VersionRpc(),
                new StatusRpc(
                        config,
                        () -> {
                            CniNetworkStatus network = podNetworking.status();
                            return network.ready() ? Optional.empty() : Optional.of(network.message());
                        },
                        podCidr,
                        userNamespaces::available),
                new RuntimeConfigRpc(cgroupDriver.name()),
                new UpdateRuntimeConfigRpc(podCidr),
                new RunPodSandboxRpc(sandboxes),
                new StopPodSandboxRpc(sandboxes),
                new RemovePodSandboxRpc(sandboxes),
                new PodSandboxStatusRpc(sandboxes),
                new ListPodSandboxRpc(sandboxes),
                new StreamPodSandboxesRpc(sandboxes),
                new CreateContainerRpc(containers, LinuxSecurityModules.ofThisNode()),
                new StartContainerRpc(containers),
                new StopContainerRpc(containers),
                new RemoveContainerRpc(containers),
                new ContainerStatusRpc(containers),
                new ListContainersRpc(containers),
                new StreamContainersRpc(containers),
                new ExecSyncRpc(containers),
                new ExecRpc(containers, streaming),
                new AttachRpc(containers, streaming),
                new PortForwardRpc(sandboxes, streaming),
                new ReopenContainerLogRpc(containers),
                new GetContainerEventsRpc(containers, sandboxes),
                new UpdateContainerResourcesRpc(containers),
                new UpdatePodSandboxResourcesRpc(sandboxes),
                new ContainerStatsRpc(containers, stats),
                new ListContainerStatsRpc(containers, stats),
                new StreamContainerStatsRpc(containers, stats),
                new PodSandboxStatsRpc(sandboxes, stats),
                new ListPodSandboxStatsRpc(sandboxes, stats),
                new StreamPodSandboxStatsRpc(sandboxes, stats),
                new ListMetricDescriptorsRpc(),
                new ListPodSandboxMetricsRpc(sandboxes, stats),
                new StreamPodSandboxMetricsRpc(sandboxes, stats),
                new CheckpointContainerRpc(containers)));
        PinnedImages pinned = new PinnedImages(config.pauseImage(), config.pinnedImages());
        ImageServiceEndpoint images = new ImageServiceEndpoint(new ImageServiceEndpoint.Handlers(
                new ListImagesRpc(imageStore, pinned),
                new StreamImagesRpc(imageStore, pinned),
                new ImageStatusRpc(imageStore, pinned),
                new PullImageRpc(puller, metrics),
                new RemoveImageRpc(imageStore),
                new ImageFsInfoRpc(config.imageStoreDir())));
        return new NodeServices(
                List.of(runtime, images),
                registries,
                config.registriesConfig(),
                containers,
                streaming,
                metrics,
                orphanSweep);
    }

    /**
     * The configured driver. systemd's is reached over the system D-Bus, on first use: a node whose bus is down
     * starts, and the RPCs that need systemd answer UNAVAILABLE until it is back.
     */
    private static CgroupDriver cgroupDriver(NodeConfig config) throws IOException {
        if (config.cgroupManager().equals("systemd")) {
            return new SystemdDriver(SystemdUnits.systemBus(), config.runtimeTimeout());
        }
        return CgroupfsDriver.of(CgroupLayout.ofHost());
    }

    /** The pause image for infra containers: from the store, or pulled (anonymously) when the node lacks it. */
    private static ImageRecord present(ImageStore store, ImagePuller puller, String reference)
            throws IOException, InterruptedException {
        Optional<ImageRecord> local = store.find(reference);
        if (local.isPresent()) {
            return local.get();
        }
        try {
            return puller.pull(reference, RegistryCredentials.NONE).image();
        } catch (RegistryException e) {
            throw new RegistryException(e.kind(), "pause image " + reference + ": " + e.getMessage(), e);
        } catch (BlockedRegistryException e) {
            throw new IOException("pause image " + reference + ": " + e.getMessage(), e);
        }
    }

    /** SIGHUP: re-reads registries.conf; a broken file keeps the previous one in force. */
    public void reloadRegistries() {
        try {
            registries.set(RegistriesConfig.load(registriesFile));
            log.info("registries config reloaded path={}", registriesFile);
        } catch (IOException e) {
            log.error(
                    "registries config not reloaded, the previous one stays in force path={} error=\"{}\"",
                    registriesFile,
                    e.getMessage());
        }
    }

    public RuntimeMetrics metrics() {
        return metrics;
    }

    public List<BindableService> grpcServices() {
        return grpcServices;
    }

    /**
     * Ends the event streams, which would otherwise keep the gRPC server's graceful shutdown waiting, and the
     * streaming server with its sessions (an exec's process ends with its client).
     */
    public void endStreams() {
        containers.events().close();
        streaming.close();
    }

    @Override
    public void close() throws IOException {
        orphanSweep.close();
        streaming.close();
        containers.close();
    }
}
