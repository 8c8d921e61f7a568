package dev.jcri.server.grpc;

import dev.jcri.cri.v1.RuntimeConfigRequest;
import dev.jcri.cri.v1.RuntimeConfigResponse;
import dev.jcri.cri.v1.RuntimeServiceGrpc;
import dev.jcri.cri.v1.StatusRequest;
import dev.jcri.cri.v1.StatusResponse;
import dev.jcri.cri.v1.UpdateRuntimeConfigRequest;
import dev.jcri.cri.v1.UpdateRuntimeConfigResponse;
import dev.jcri.cri.v1.VersionRequest;
import dev.jcri.cri.v1.VersionResponse;
import dev.jcri.server.rpc.runtime.RuntimeConfigRpc;
import dev.jcri.server.rpc.runtime.StatusRpc;
import dev.jcri.server.rpc.runtime.UpdateRuntimeConfigRpc;
import dev.jcri.server.rpc.runtime.VersionRpc;
import io.grpc.stub.StreamObserver;

/**
 * The CRI RuntimeService: each RPC is one handler class in {@code dev.jcri.server.rpc.runtime}. RPCs not
 * overridden here answer UNIMPLEMENTED with their full method name (the generated base class does that).
 */
public final class RuntimeServiceEndpoint extends RuntimeServiceGrpc.RuntimeServiceImplBase {
    private final VersionRpc version;
    private final StatusRpc status;
    private final RuntimeConfigRpc runtimeConfig;
    private final UpdateRuntimeConfigRpc updateRuntimeConfig;

    public RuntimeServiceEndpoint(VersionRpc version, StatusRpc status, RuntimeConfigRpc runtimeConfig,
            UpdateRuntimeConfigRpc updateRuntimeConfig) {
        this.version = version;
        this.status = status;
        this.runtimeConfig = runtimeConfig;
        this.updateRuntimeConfig = updateRuntimeConfig;
    }

    @Override
    public void version(VersionRequest request, StreamObserver<VersionResponse> responses) {
        UnaryCall.run(request, responses, version);
    }

    @Override
    public void status(StatusRequest request, StreamObserver<StatusResponse> responses) {
        UnaryCall.run(request, responses, status);
    }

    @Override
    public void runtimeConfig(RuntimeConfigRequest request, StreamObserver<RuntimeConfigResponse> responses) {
        UnaryCall.run(request, responses, runtimeConfig);
    }

    @Override
    public void updateRuntimeConfig(UpdateRuntimeConfigRequest request,
            StreamObserver<UpdateRuntimeConfigResponse> responses) {
        UnaryCall.run(request, responses, updateRuntimeConfig);
    }
}
