package dev.jcri.server.rpc.runtime;

import dev.jcri.cri.v1.VersionRequest;
import dev.jcri.cri.v1.VersionResponse;
import dev.jcri.server.JcriVersion;
import dev.jcri.server.call.CriCall;

/** Version: the runtime's name and version, and the CRI API version it serves. */
public final class VersionRpc implements CriCall.Handler<VersionRequest, VersionResponse> {
    @Override
    public VersionResponse handle(VersionRequest request) {
        return VersionResponse.newBuilder()
                .setVersion(JcriVersion.KUBELET_API_VERSION)
                .setRuntimeName(JcriVersion.RUNTIME_NAME)
                .setRuntimeVersion(JcriVersion.version())
                .setRuntimeApiVersion(JcriVersion.CRI_API_VERSION)
                .build();
    }
}
