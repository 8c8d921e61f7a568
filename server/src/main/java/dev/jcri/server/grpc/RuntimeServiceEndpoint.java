package dev.jcri.server.grpc;

import dev.jcri.cri.v1.AttachRequest;
import dev.jcri.cri.v1.AttachResponse;
import dev.jcri.cri.v1.CheckpointContainerRequest;
import dev.jcri.cri.v1.CheckpointContainerResponse;
import dev.jcri.cri.v1.ContainerEventResponse;
import dev.jcri.cri.v1.ContainerStatsRequest;
import dev.jcri.cri.v1.ContainerStatsResponse;
import dev.jcri.cri.v1.ContainerStatusRequest;
import dev.jcri.cri.v1.ContainerStatusResponse;
import dev.jcri.cri.v1.CreateContainerRequest;
import dev.jcri.cri.v1.CreateContainerResponse;
import dev.jcri.cri.v1.ExecRequest;
import dev.jcri.cri.v1.ExecResponse;
import dev.jcri.cri.v1.ExecSyncRequest;
import dev.jcri.cri.v1.ExecSyncResponse;
import dev.jcri.cri.v1.GetEventsRequest;
import dev.jcri.cri.v1.ListContainerStatsRequest;
import dev.jcri.cri.v1.ListContainerStatsResponse;
import dev.jcri.cri.v1.ListContainersRequest;
import dev.jcri.cri.v1.ListContainersResponse;
import dev.jcri.cri.v1.ListMetricDescriptorsRequest;
import dev.jcri.cri.v1.ListMetricDescriptorsResponse;
import dev.jcri.cri.v1.ListPodSandboxMetricsRequest;
import dev.jcri.cri.v1.ListPodSandboxMetricsResponse;
import dev.jcri.cri.v1.ListPodSandboxRequest;
import dev.jcri.cri.v1.ListPodSandboxResponse;
import dev.jcri.cri.v1.ListPodSandboxStatsRequest;
import dev.jcri.cri.v1.ListPodSandboxStatsResponse;
import dev.jcri.cri.v1.PodSandboxStatsRequest;
import dev.jcri.cri.v1.PodSandboxStatsResponse;
import dev.jcri.cri.v1.PodSandboxStatusRequest;
import dev.jcri.cri.v1.PodSandboxStatusResponse;
import dev.jcri.cri.v1.PortForwardRequest;
import dev.jcri.cri.v1.PortForwardResponse;
import dev.jcri.cri.v1.RemoveContainerRequest;
import dev.jcri.cri.v1.RemoveContainerResponse;
import dev.jcri.cri.v1.RemovePodSandboxRequest;
import dev.jcri.cri.v1.RemovePodSandboxResponse;
import dev.jcri.cri.v1.ReopenContainerLogRequest;
import dev.jcri.cri.v1.ReopenContainerLogResponse;
import dev.jcri.cri.v1.RunPodSandboxRequest;
import dev.jcri.cri.v1.RunPodSandboxResponse;
import dev.jcri.cri.v1.RuntimeConfigRequest;
import dev.jcri.cri.v1.RuntimeConfigResponse;
import dev.jcri.cri.v1.RuntimeServiceGrpc;
import dev.jcri.cri.v1.StartContainerRequest;
import dev.jcri.cri.v1.StartContainerResponse;
import dev.jcri.cri.v1.StatusRequest;
import dev.jcri.cri.v1.StatusResponse;
import dev.jcri.cri.v1.StopContainerRequest;
import dev.jcri.cri.v1.StopContainerResponse;
import dev.jcri.cri.v1.StopPodSandboxRequest;
import dev.jcri.cri.v1.StopPodSandboxResponse;
import dev.jcri.cri.v1.StreamContainerStatsRequest;
import dev.jcri.cri.v1.StreamContainerStatsResponse;
import dev.jcri.cri.v1.StreamContainersRequest;
import dev.jcri.cri.v1.StreamContainersResponse;
import dev.jcri.cri.v1.StreamPodSandboxMetricsRequest;
import dev.jcri.cri.v1.StreamPodSandboxMetricsResponse;
import dev.jcri.cri.v1.StreamPodSandboxStatsRequest;
import dev.jcri.cri.v1.StreamPodSandboxStatsResponse;
import dev.jcri.cri.v1.StreamPodSandboxesRequest;
import dev.jcri.cri.v1.StreamPodSandboxesResponse;
import dev.jcri.cri.v1.UpdateContainerResourcesRequest;
import dev.jcri.cri.v1.UpdateContainerResourcesResponse;
import dev.jcri.cri.v1.UpdatePodSandboxResourcesRequest;
import dev.jcri.cri.v1.UpdatePodSandboxResourcesResponse;
import dev.jcri.cri.v1.UpdateRuntimeConfigRequest;
import dev.jcri.cri.v1.UpdateRuntimeConfigResponse;
import dev.jcri.cri.v1.VersionRequest;
import dev.jcri.cri.v1.VersionResponse;
import dev.jcri.server.call.CriCall;
import dev.jcri.server.rpc.container.AttachRpc;
import dev.jcri.server.rpc.container.CheckpointContainerRpc;
import dev.jcri.server.rpc.container.ContainerStatusRpc;
import dev.jcri.server.rpc.container.CreateContainerRpc;
import dev.jcri.server.rpc.container.ExecRpc;
import dev.jcri.server.rpc.container.ExecSyncRpc;
import dev.jcri.server.rpc.container.GetContainerEventsRpc;
import dev.jcri.server.rpc.container.ListContainersRpc;
import dev.jcri.server.rpc.container.RemoveContainerRpc;
import dev.jcri.server.rpc.container.ReopenContainerLogRpc;
import dev.jcri.server.rpc.container.StartContainerRpc;
import dev.jcri.server.rpc.container.StopContainerRpc;
import dev.jcri.server.rpc.container.StreamContainersRpc;
import dev.jcri.server.rpc.container.UpdateContainerResourcesRpc;
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
import io.grpc.stub.StreamObserver;

/**
 * The CRI RuntimeService: each RPC is one handler class in {@code dev.jcri.server.rpc.runtime} or
 * {@code dev.jcri.server.rpc.pod}. RPCs not overridden here answer UNIMPLEMENTED with their full method name (the
 * generated base class does that).
 */
public final class RuntimeServiceEndpoint extends RuntimeServiceGrpc.RuntimeServiceImplBase {
    /** The handlers, one per RPC. */
    public record Handlers(
            VersionRpc version,
            StatusRpc status,
            RuntimeConfigRpc runtimeConfig,
            UpdateRuntimeConfigRpc updateRuntimeConfig,
            RunPodSandboxRpc runPodSandbox,
            StopPodSandboxRpc stopPodSandbox,
            RemovePodSandboxRpc removePodSandbox,
            PodSandboxStatusRpc podSandboxStatus,
            ListPodSandboxRpc listPodSandbox,
            StreamPodSandboxesRpc streamPodSandboxes,
            CreateContainerRpc createContainer,
            StartContainerRpc startContainer,
            StopContainerRpc stopContainer,
            RemoveContainerRpc removeContainer,
            ContainerStatusRpc containerStatus,
            ListContainersRpc listContainers,
            StreamContainersRpc streamContainers,
            ExecSyncRpc execSync,
            ExecRpc exec,
            AttachRpc attach,
            PortForwardRpc portForward,
            ReopenContainerLogRpc reopenContainerLog,
            GetContainerEventsRpc getContainerEvents,
            UpdateContainerResourcesRpc updateContainerResources,
            UpdatePodSandboxResourcesRpc updatePodSandboxResources,
            ContainerStatsRpc containerStats,
            ListContainerStatsRpc listContainerStats,
            StreamContainerStatsRpc streamContainerStats,
            PodSandboxStatsRpc podSandboxStats,
            ListPodSandboxStatsRpc listPodSandboxStats,
            StreamPodSandboxStatsRpc streamPodSandboxStats,
            ListMetricDescriptorsRpc listMetricDescriptors,
            ListPodSandboxMetricsRpc listPodSandboxMetrics,
            StreamPodSandboxMetricsRpc streamPodSandboxMetrics,
            CheckpointContainerRpc checkpointContainer) {}

    private final Handlers rpc;

    public RuntimeServiceEndpoint(Handlers rpc) {
        this.rpc = rpc;
    }

    @Override
    public void version(VersionRequest request, StreamObserver<VersionResponse> responses) {
        CriCall.unary(request, responses, rpc.version());
    }

    @Override
    public void status(StatusRequest request, StreamObserver<StatusResponse> responses) {
        CriCall.unary(request, responses, rpc.status());
    }

    @Override
    public void runtimeConfig(RuntimeConfigRequest request, StreamObserver<RuntimeConfigResponse> responses) {
        CriCall.unary(request, responses, rpc.runtimeConfig());
    }

    @Override
    public void updateRuntimeConfig(
            UpdateRuntimeConfigRequest request, StreamObserver<UpdateRuntimeConfigResponse> responses) {
        CriCall.unary(request, responses, rpc.updateRuntimeConfig());
    }

    @Override
    public void runPodSandbox(RunPodSandboxRequest request, StreamObserver<RunPodSandboxResponse> responses) {
        CriCall.unary(request, responses, rpc.runPodSandbox());
    }

    @Override
    public void stopPodSandbox(StopPodSandboxRequest request, StreamObserver<StopPodSandboxResponse> responses) {
        CriCall.unary(request, responses, rpc.stopPodSandbox());
    }

    @Override
    public void removePodSandbox(RemovePodSandboxRequest request, StreamObserver<RemovePodSandboxResponse> responses) {
        CriCall.unary(request, responses, rpc.removePodSandbox());
    }

    @Override
    public void podSandboxStatus(PodSandboxStatusRequest request, StreamObserver<PodSandboxStatusResponse> responses) {
        CriCall.unary(request, responses, rpc.podSandboxStatus());
    }

    @Override
    public void listPodSandbox(ListPodSandboxRequest request, StreamObserver<ListPodSandboxResponse> responses) {
        CriCall.unary(request, responses, rpc.listPodSandbox());
    }

    @Override
    public void streamPodSandboxes(
            StreamPodSandboxesRequest request, StreamObserver<StreamPodSandboxesResponse> responses) {
        CriCall.stream(request, responses, rpc.streamPodSandboxes()::handle);
    }

    @Override
    public void createContainer(CreateContainerRequest request, StreamObserver<CreateContainerResponse> responses) {
        CriCall.unary(request, responses, rpc.createContainer());
    }

    @Override
    public void startContainer(StartContainerRequest request, StreamObserver<StartContainerResponse> responses) {
        CriCall.unary(request, responses, rpc.startContainer());
    }

    @Override
    public void stopContainer(StopContainerRequest request, StreamObserver<StopContainerResponse> responses) {
        CriCall.unary(request, responses, rpc.stopContainer());
    }

    @Override
    public void removeContainer(RemoveContainerRequest request, StreamObserver<RemoveContainerResponse> responses) {
        CriCall.unary(request, responses, rpc.removeContainer());
    }

    @Override
    public void containerStatus(ContainerStatusRequest request, StreamObserver<ContainerStatusResponse> responses) {
        CriCall.unary(request, responses, rpc.containerStatus());
    }

    @Override
    public void listContainers(ListContainersRequest request, StreamObserver<ListContainersResponse> responses) {
        CriCall.unary(request, responses, rpc.listContainers());
    }

    @Override
    public void streamContainers(StreamContainersRequest request, StreamObserver<StreamContainersResponse> responses) {
        CriCall.stream(request, responses, rpc.streamContainers()::handle);
    }

    @Override
    public void execSync(ExecSyncRequest request, StreamObserver<ExecSyncResponse> responses) {
        CriCall.unary(request, responses, rpc.execSync());
    }

    @Override
    public void exec(ExecRequest request, StreamObserver<ExecResponse> responses) {
        CriCall.unary(request, responses, rpc.exec());
    }

    @Override
    public void attach(AttachRequest request, StreamObserver<AttachResponse> responses) {
        CriCall.unary(request, responses, rpc.attach());
    }

    @Override
    public void portForward(PortForwardRequest request, StreamObserver<PortForwardResponse> responses) {
        CriCall.unary(request, responses, rpc.portForward());
    }

    @Override
    public void reopenContainerLog(
            ReopenContainerLogRequest request, StreamObserver<ReopenContainerLogResponse> responses) {
        CriCall.unary(request, responses, rpc.reopenContainerLog());
    }

    @Override
    public void getContainerEvents(GetEventsRequest request, StreamObserver<ContainerEventResponse> responses) {
        CriCall.stream(request, responses, rpc.getContainerEvents()::handle);
    }

    @Override
    public void checkpointContainer(
            CheckpointContainerRequest request, StreamObserver<CheckpointContainerResponse> responses) {
        CriCall.unary(request, responses, rpc.checkpointContainer());
    }

    @Override
    public void updateContainerResources(
            UpdateContainerResourcesRequest request, StreamObserver<UpdateContainerResourcesResponse> responses) {
        CriCall.unary(request, responses, rpc.updateContainerResources());
    }

    @Override
    public void updatePodSandboxResources(
            UpdatePodSandboxResourcesRequest request, StreamObserver<UpdatePodSandboxResourcesResponse> responses) {
        CriCall.unary(request, responses, rpc.updatePodSandboxResources());
    }

    @Override
    public void containerStats(ContainerStatsRequest request, StreamObserver<ContainerStatsResponse> responses) {
        CriCall.unary(request, responses, rpc.containerStats());
    }

    @Override
    public void listContainerStats(
            ListContainerStatsRequest request, StreamObserver<ListContainerStatsResponse> responses) {
        CriCall.unary(request, responses, rpc.listContainerStats());
    }

    @Override
    public void streamContainerStats(
            StreamContainerStatsRequest request, StreamObserver<StreamContainerStatsResponse> responses) {
        CriCall.stream(request, responses, rpc.streamContainerStats()::handle);
    }

    @Override
    public void podSandboxStats(PodSandboxStatsRequest request, StreamObserver<PodSandboxStatsResponse> responses) {
        CriCall.unary(request, responses, rpc.podSandboxStats());
    }

    @Override
    public void listPodSandboxStats(
            ListPodSandboxStatsRequest request, StreamObserver<ListPodSandboxStatsResponse> responses) {
        CriCall.unary(request, responses, rpc.listPodSandboxStats());
    }

    @Override
    public void streamPodSandboxStats(
            StreamPodSandboxStatsRequest request, StreamObserver<StreamPodSandboxStatsResponse> responses) {
        CriCall.stream(request, responses, rpc.streamPodSandboxStats()::handle);
    }

    @Override
    public void listMetricDescriptors(
            ListMetricDescriptorsRequest request, StreamObserver<ListMetricDescriptorsResponse> responses) {
        CriCall.unary(request, responses, rpc.listMetricDescriptors());
    }

    @Override
    public void listPodSandboxMetrics(
            ListPodSandboxMetricsRequest request, StreamObserver<ListPodSandboxMetricsResponse> responses) {
        CriCall.unary(request, responses, rpc.listPodSandboxMetrics());
    }

    @Override
    public void streamPodSandboxMetrics(
            StreamPodSandboxMetricsRequest request, StreamObserver<StreamPodSandboxMetricsResponse> responses) {
        CriCall.stream(request, responses, rpc.streamPodSandboxMetrics()::handle);
    }
}
