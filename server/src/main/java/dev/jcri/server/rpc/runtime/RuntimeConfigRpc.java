package dev.jcri.server.rpc.runtime;

import dev.jcri.cri.v1.CgroupDriver;
import dev.jcri.cri.v1.LinuxRuntimeConfiguration;
import dev.jcri.cri.v1.RuntimeConfigRequest;
import dev.jcri.cri.v1.RuntimeConfigResponse;
import dev.jcri.server.call.CriCall;

/** RuntimeConfig: kubelet adopts the runtime's cgroup driver from this answer instead of its own flag. */
public final class RuntimeConfigRpc implements CriCall.Handler<RuntimeConfigRequest, RuntimeConfigResponse> {
    private final CgroupDriver driver;

    public RuntimeConfigRpc(String cgroupManager) {
        this.driver = cgroupManager.equals("systemd") ? CgroupDriver.SYSTEMD : CgroupDriver.CGROUPFS;
    }

    @Override
    public RuntimeConfigResponse handle(RuntimeConfigRequest request) {
        return RuntimeConfigResponse.newBuilder()
                .setLinux(LinuxRuntimeConfiguration.newBuilder().setCgroupDriver(driver))
                .build();
    }
}
