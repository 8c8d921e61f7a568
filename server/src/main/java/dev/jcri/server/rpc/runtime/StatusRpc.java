package dev.jcri.server.rpc.runtime;

import dev.jcri.cri.v1.RuntimeCondition;
import dev.jcri.cri.v1.RuntimeFeatures;
import dev.jcri.cri.v1.RuntimeHandler;
import dev.jcri.cri.v1.RuntimeHandlerFeatures;
import dev.jcri.cri.v1.RuntimeStatus;
import dev.jcri.cri.v1.StatusRequest;
import dev.jcri.cri.v1.StatusResponse;
import dev.jcri.sandbox.container.RuntimeFeatureProbe;
import dev.jcri.server.call.CriCall;
import dev.jcri.server.config.EffectiveConfigWriter;
import dev.jcri.server.config.NodeConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Predicate;
import java.util.function.Supplier;
import tools.jackson.databind.json.JsonMapper;

/**
 * Status: the RuntimeReady and NetworkReady conditions kubelet gates pod admission on, the runtime handlers and
 * their features, and with {@code verbose} the effective configuration and checkpoint support as JSON.
 */
public final class StatusRpc implements CriCall.Handler<StatusRequest, StatusResponse> {
    private static final JsonMapper JSON = JsonMapper.builder().build();

    private final NodeConfig config;
    private final Supplier<Optional<String>> networkNotReadyReason;
    private final AtomicReference<String> podCidr;
    private final Predicate<String> userNamespaces;

    /**
     * @param networkNotReadyReason empty when a usable CNI config exists, else why not (naming the dirs searched)
     */
    public StatusRpc(
            NodeConfig config,
            Supplier<Optional<String>> networkNotReadyReason,
            AtomicReference<String> podCidr,
            Predicate<String> userNamespaces) {
        this.config = config;
        this.userNamespaces = userNamespaces;
        this.networkNotReadyReason = networkNotReadyReason;
        this.podCidr = podCidr;
    }

    @Override
    public StatusResponse handle(StatusRequest request) {
        StatusResponse.Builder response = StatusResponse.newBuilder()
                .setStatus(RuntimeStatus.newBuilder()
                        .addConditions(runtimeCondition())
                        .addConditions(networkCondition()))
                .addAllRuntimeHandlers(handlers())
                // Strict supplemental groups are honoured (kubelet refuses Strict pods on runtimes that say no).
                // A user-namespaced pod on the node's network is refused (its root would administer the node's
                // network without owning it), so user_namespaces_host_network says no (KEP-5607).
                .setFeatures(RuntimeFeatures.newBuilder()
                        .setSupplementalGroupsPolicy(true)
                        .setUserNamespacesHostNetwork(false));
        if (request.getVerbose()) {
            Map<String, Object> info = new LinkedHashMap<>();
            info.put("config", EffectiveConfigWriter.nested(config));
            info.put("podCIDR", podCidr.get());
            info.put(
                    "configFiles", config.sources().stream().map(Path::toString).toList());
            info.put("checkpoint", checkpointSupport());
            info.forEach((key, value) -> response.putInfo(key, JSON.writeValueAsString(value)));
        }
        return response.build();
    }

    /**
     * Per handler, whether CheckpointContainer works: "available", or "unavailable: " and why (CRIU missing or
     * failing {@code criu check}, a runtime without CRIU support), probed once.
     */
    private Map<String, String> checkpointSupport() {
        Map<String, String> support = new LinkedHashMap<>();
        config.runtimes()
                .values()
                .forEach(runtime -> support.put(
                        runtime.name(),
                        RuntimeFeatureProbe.checkpointProblem(runtime.path())
                                .map(why -> "unavailable: " + why)
                                .orElse("available")));
        return support;
    }

    private RuntimeCondition runtimeCondition() {
        List<String> missing = new ArrayList<>();
        NodeConfig.RuntimeHandler runtime = config.runtimes().get(config.defaultRuntime());
        if (!Files.isExecutable(runtime.path())) {
            missing.add("OCI runtime " + runtime.path() + " (handler " + runtime.name() + ")");
        }
        if (!Files.isExecutable(config.conmon())) {
            missing.add("conmon " + config.conmon());
        }
        RuntimeCondition.Builder condition = RuntimeCondition.newBuilder().setType("RuntimeReady");
        if (missing.isEmpty()) {
            return condition.setStatus(true).build();
        }
        return condition
                .setStatus(false)
                .setReason("RuntimeBinaryMissing")
                .setMessage("not executable: " + String.join(", ", missing) + "; run `jcri check`")
                .build();
    }

    private RuntimeCondition networkCondition() {
        RuntimeCondition.Builder condition = RuntimeCondition.newBuilder().setType("NetworkReady");
        Optional<String> reason = networkNotReadyReason.get();
        if (reason.isEmpty()) {
            return condition.setStatus(true).build();
        }
        return condition
                .setStatus(false)
                .setReason("NetworkPluginNotReady")
                .setMessage(reason.get())
                .build();
    }

    /** Every configured handler, plus the default once more under the empty name kubelet uses for "no class". */
    private List<RuntimeHandler> handlers() {
        List<RuntimeHandler> handlers = new ArrayList<>();
        handlers.add(RuntimeHandler.newBuilder()
                .setName("")
                .setFeatures(features(config.defaultRuntime()))
                .build());
        for (String name : config.runtimes().keySet()) {
            handlers.add(RuntimeHandler.newBuilder()
                    .setName(name)
                    .setFeatures(features(name))
                    .build());
        }
        return handlers;
    }

    /**
     * Recursive read-only mounts where runtime and kernel can do them, user namespaces where the node can (both
     * probed once). jcri creates and maps the user namespace and the idmapped rootfs itself; the runtime only joins
     * it, and must not hand the node's /dev/null to the pod (see {@code RuntimeFeatureProbe.userNamespaceProblem}).
     */
    private RuntimeHandlerFeatures features(String handler) {
        NodeConfig.RuntimeHandler runtime = config.runtimes().get(handler);
        return RuntimeHandlerFeatures.newBuilder()
                .setRecursiveReadOnlyMounts(runtime != null && RuntimeFeatureProbe.recursiveReadOnly(runtime.path()))
                .setUserNamespaces(runtime != null && userNamespaces.test(handler))
                .build();
    }
}
