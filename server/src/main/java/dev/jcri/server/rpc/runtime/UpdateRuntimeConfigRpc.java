package dev.jcri.server.rpc.runtime;

import dev.jcri.cri.v1.UpdateRuntimeConfigRequest;
import dev.jcri.cri.v1.UpdateRuntimeConfigResponse;
import dev.jcri.sandbox.pod.IpLiteral;
import dev.jcri.sandbox.pod.QuotedText;
import dev.jcri.server.call.CriCall;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * UpdateRuntimeConfig: kubelet tells the runtime the node's pod CIDR.
 *
 * <p>jcri keeps it for Status and the network layer; the CNI config owns address allocation, as with CRI-O and
 * containerd. An empty request changes nothing.
 */
public final class UpdateRuntimeConfigRpc
        implements CriCall.Handler<UpdateRuntimeConfigRequest, UpdateRuntimeConfigResponse> {
    private static final Logger log = LoggerFactory.getLogger(UpdateRuntimeConfigRpc.class);

    private final AtomicReference<String> podCidr;

    public UpdateRuntimeConfigRpc(AtomicReference<String> podCidr) {
        this.podCidr = podCidr;
    }

    @Override
    public UpdateRuntimeConfigResponse handle(UpdateRuntimeConfigRequest request) {
        String cidr = request.getRuntimeConfig().getNetworkConfig().getPodCidr();
        if (!cidr.isEmpty()) {
            for (String part : cidr.split(",")) {
                validateCidr(part.strip());
            }
            String previous = podCidr.getAndSet(cidr);
            if (!cidr.equals(previous)) {
                log.info("pod CIDR set pod_cidr={}", cidr);
            }
        }
        return UpdateRuntimeConfigResponse.getDefaultInstance();
    }

    private static void validateCidr(String cidr) {
        int slash = cidr.indexOf('/');
        boolean ok = slash > 0;
        if (ok) {
            String address = cidr.substring(0, slash);
            ok = IpLiteral.isValid(address);
            String prefix = cidr.substring(slash + 1);
            ok &= prefix.matches("[0-9]{1,3}") && Integer.parseInt(prefix) <= (IpLiteral.isIpv6(address) ? 128 : 32);
        }
        if (!ok) {
            throw new IllegalArgumentException("runtime_config.network_config.pod_cidr: " + QuotedText.of(cidr)
                    + " is not a CIDR such as 10.244.1.0/24");
        }
    }
}
