package dev.jcri.server.daemon;

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
        NetworkReadiness network = new NetworkReadiness(config.cniConfDirs(), config.cniBinDirs());
        RuntimeServiceEndpoint runtime = new RuntimeServiceEndpoint(
                new VersionRpc(),
                new StatusRpc(config, network::notReadyReason, podCidr),
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

    /** Placeholder until the CNI module is wired: ready when any conf dir holds a network config file. */
    static final class NetworkReadiness {
        private final List<java.nio.file.Path> confDirs;
        private final List<java.nio.file.Path> binDirs;

        NetworkReadiness(List<java.nio.file.Path> confDirs, List<java.nio.file.Path> binDirs) {
            this.confDirs = confDirs;
            this.binDirs = binDirs;
        }

        Optional<String> notReadyReason() {
            return Optional.of("no CNI network config found in " + confDirs + " (plugins searched in " + binDirs + ")");
        }
    }
}
