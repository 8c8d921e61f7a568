package dev.jcri.server.rpc.container;

import com.google.protobuf.ByteString;
import dev.jcri.cri.v1.ExecSyncRequest;
import dev.jcri.cri.v1.ExecSyncResponse;
import dev.jcri.sandbox.container.Containers;
import dev.jcri.sandbox.container.SyncExec;
import dev.jcri.server.call.CriCall;
import io.grpc.Status;

/**
 * ExecSync: a command in a running container, stdout and stderr separate. A command that outlives
 * {@code timeout} is killed and the call answers DEADLINE_EXCEEDED, which kubelet's prober reads as a probe
 * timeout.
 */
public final class ExecSyncRpc implements CriCall.Handler<ExecSyncRequest, ExecSyncResponse> {
    private final Containers containers;

    public ExecSyncRpc(Containers containers) {
        this.containers = containers;
    }

    @Override
    public ExecSyncResponse handle(ExecSyncRequest request) throws Exception {
        String id = CriContainers.requiredId(request.getContainerId());
        if (request.getCmdCount() == 0) {
            throw new IllegalArgumentException("cmd: required");
        }
        CriContainers.noNul("cmd", request.getCmdList());
        if (request.getTimeout() < 0) {
            throw new IllegalArgumentException("timeout: must not be negative");
        }
        try {
            SyncExec.Result result = containers.execSync(id, request.getCmdList(), request.getTimeout());
            return ExecSyncResponse.newBuilder()
                    .setStdout(ByteString.copyFrom(result.stdout()))
                    .setStderr(ByteString.copyFrom(result.stderr()))
                    .setExitCode(result.exitCode())
                    .build();
        } catch (SyncExec.TimedOut e) {
            throw Status.DEADLINE_EXCEEDED
                    .withDescription("exec in container " + id + ": " + e.getMessage())
                    .asRuntimeException();
        }
    }
}
