package dev.jcri.sandbox.pod;

import dev.jcri.cni.CniBandwidth;
import dev.jcri.cni.CniException;
import dev.jcri.cni.CniPortMapping;
import dev.jcri.cni.CniRuntimeConf;
import dev.jcri.cni.PodNetworking;
import dev.jcri.sandbox.CrashPoint;
import dev.jcri.sandbox.CrashPoint.Step;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.List;

/**
 * A pod's network: CNI ADD with its port mappings and bandwidth, DEL, then the network namespace's pin.
 * {@link #cni} runs the node's CNI plugins; the tests of the steps use a fake.
 */
public interface SandboxNetwork {
    /** CNI ADD; returns the pod's IPs, the primary first. A failed ADD releases what it made itself. */
    List<String> setUp(SandboxRecord record) throws CniException;

    void tearDown(SandboxRecord record) throws CniException;

    /** Whether a CNI ADD began for the sandbox (its cache entry is written first). */
    boolean attached(String sandboxId);

    /** CNI DEL, then the network namespace; idempotent, and fine for a pod without a network of its own. */
    void release(SandboxRecord record) throws IOException;

    static SandboxNetwork cni(PodNetworking network, PodHost host) {
        return new SandboxNetwork() {
            @Override
            public List<String> setUp(SandboxRecord record) throws CniException {
                return network.setUp(cniRuntime(record)).podIps(CniRuntimeConf.POD_INTERFACE);
            }

            @Override
            public void tearDown(SandboxRecord record) throws CniException {
                network.tearDown(cniRuntime(record));
            }

            @Override
            public boolean attached(String sandboxId) {
                return network.attached(sandboxId);
            }

            @Override
            public void release(SandboxRecord record) throws IOException {
                if (record.netns().isEmpty()) {
                    return;
                }
                Path netns = Path.of(record.netns().get());
                // CNI DEL runs even when the namespace is already gone, so that IPs and host rules are released;
                // for a create a crash cut short only if ADD began (its cache entry is written first). A release
                // that ended (DEL complete, so no cache entry, and the pin gone: a StopPodSandbox before this
                // RemovePodSandbox) is not repeated: the second DEL was two plugin runs for nothing.
                boolean attached = network.attached(record.id());
                boolean released = !attached && !Files.exists(netns, LinkOption.NOFOLLOW_LINKS);
                if ((record.state() != SandboxState.CREATING || attached) && !released) {
                    tearDown(record);
                }
                CrashPoint.reached(Step.SANDBOX_CNI_DELETED);
                host.releasePins(List.of(netns));
                CrashPoint.reached(Step.SANDBOX_NETNS_UNPINNED);
            }
        };
    }

    private static CniRuntimeConf cniRuntime(SandboxRecord record) {
        PodSandboxSpec spec = record.spec();
        List<CniPortMapping> ports = spec.portMappings().stream()
                .filter(p -> p.hostPort() > 0)
                .map(p -> new CniPortMapping(
                        p.hostPort(), p.containerPort(), p.protocol().toLowerCase(), p.hostIp()))
                .toList();
        return CniRuntimeConf.forPod(
                        record.id(), Path.of(record.netns().orElseThrow()), spec.namespace(), spec.name(), spec.uid())
                .withPortMappings(ports)
                .withBandwidth(CniBandwidth.fromPodAnnotations(spec.annotations()))
                .withPodAnnotations(spec.annotations());
    }
}
