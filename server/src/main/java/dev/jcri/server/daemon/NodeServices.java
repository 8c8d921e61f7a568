package dev.jcri.server.daemon;

import dev.jcri.cni.CniConfigDirectory;
import dev.jcri.cni.CniNetworkStatus;
import dev.jcri.cni.CniPluginRunner;
import dev.jcri.cni.CniResultCache;
import dev.jcri.cni.PodNetworking;
import dev.jcri.server.config.NodeConfig;
import dev.jcri.server.grpc.ImageServiceEndpoint;
import dev.jcri.server.grpc.RuntimeServiceEndpoint;
import dev.jcri.server.rpc.image.ImageFsInfoRpc;
import dev.jcri.server.rpc.runtime.RuntimeConfigRpc;
import dev.jcri.server.rpc.runtime.StatusRpc;
import dev.jcri.server.rpc.runtime.UpdateRuntimeConfigRpc;
import dev.jcri.server.rpc.runtime.VersionRpc;
import io.grpc.BindableService;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;

/** Wires the domain objects to the RPC handlers: the one place that knows how the node is assembled. */
public final class NodeServices implements AutoCloseable {
    private final List<BindableService> grpcServices;

    private NodeServices(List<BindableService> grpcServices) {
        this.grpcServices = grpcServices;
    }

    public static NodeServices create(NodeConfig config) {
        AtomicReference<String> podCidr = new AtomicReference<>("");
        CniConfigDirectory cniConfigs = new CniConfigDirectory(config.cniConfDirs(), config.cniBinDirs());
        PodNetworking podNetworking = new PodNetworking(cniConfigs, new CniPluginRunner(cniConfigs.pluginPath()),
                new CniResultCache(config.cniCacheDir()));
        RuntimeServiceEndpoint runtime = new RuntimeServiceEndpoint(
                new VersionRpc(),
                new StatusRpc(config, () -> {
                    CniNetworkStatus network = podNetworking.status();
                    return network.ready() ? Optional.empty() : Optional.of(network.message());
                }, podCidr),
                new RuntimeConfigRpc(config.cgroupManager()),
                new UpdateRuntimeConfigRpc(podCidr));
        ImageServiceEndpoint images = new ImageServiceEndpoint(new ImageFsInfoRpc(config.imageStoreDir()));
        return new NodeServices(List.of(runtime, images));
    }

    public List<BindableService> grpcServices() {
        return grpcServices;
    }

    @Override
    public void close() {}
}
