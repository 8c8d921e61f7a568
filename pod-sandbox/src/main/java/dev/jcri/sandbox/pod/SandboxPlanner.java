package dev.jcri.sandbox.pod;

import dev.jcri.sandbox.EpochNanos;
import dev.jcri.sandbox.StateLayout;
import dev.jcri.sandbox.cgroup.CgroupDriver;
import dev.jcri.sandbox.ns.PinnedNamespaces;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The plan step of RunPodSandbox, with no effect on the node: checks the request (runtime handler, namespace
 * modes, user namespaces, sysctls, cgroup parent, DNS) and decides the namespaces to pin, the hostname, resolv.conf
 * and the record. Bad input is an IllegalArgumentException naming the CRI field.
 */
public final class SandboxPlanner {
    /** What the plan needs to know of the node; asked only when the pod's request depends on it. */
    public interface Node {
        /** The node's hostname, which a host-network pod keeps unless it asks for another. */
        String hostname();

        /** Why pods of {@code handler} cannot have their own users here, empty when they can. */
        Optional<String> userNamespacesMissing(String handler);
    }

    private final StateLayout layout;
    private final Set<String> runtimeHandlers;
    private final String defaultRuntimeHandler;
    private final String defaultCgroupParent;
    private final CgroupDriver cgroups;

    /** @param cgroups the node's cgroup driver, which decides what a pod's cgroup parent may look like */
    public SandboxPlanner(
            StateLayout layout,
            Set<String> runtimeHandlers,
            String defaultRuntimeHandler,
            String defaultCgroupParent,
            CgroupDriver cgroups) {
        this.layout = layout;
        this.runtimeHandlers = Set.copyOf(runtimeHandlers);
        this.defaultRuntimeHandler = defaultRuntimeHandler;
        this.defaultCgroupParent = defaultCgroupParent;
        this.cgroups = cgroups;
    }

    /** @param id the new sandbox's ID */
    public SandboxPlan plan(String id, PodSandboxSpec spec, Node node) {
        String name = SandboxName.of(spec.name(), spec.namespace(), spec.uid(), spec.attempt());
        String handler = spec.runtimeHandler().isEmpty() ? defaultRuntimeHandler : spec.runtimeHandler();
        if (!runtimeHandlers.contains(handler)) {
            throw new IllegalArgumentException("runtime_handler: unknown handler \"" + handler + "\" (this node has: "
                    + String.join(", ", runtimeHandlers.stream().sorted().toList()) + ")");
        }
        PodSandboxSpec.Namespaces modes = spec.namespaces();
        requireMode("namespace_options.network", modes.network(), PodSandboxSpec.Mode.POD, PodSandboxSpec.Mode.NODE);
        requireMode("namespace_options.ipc", modes.ipc(), PodSandboxSpec.Mode.POD, PodSandboxSpec.Mode.NODE);
        requireMode(
                "namespace_options.pid",
                modes.pid(),
                PodSandboxSpec.Mode.POD,
                PodSandboxSpec.Mode.CONTAINER,
                PodSandboxSpec.Mode.NODE);
        if (modes.ownUsers()) {
            Optional<String> missing = node.userNamespacesMissing(handler);
            if (missing.isPresent()) {
                throw new IllegalStateException("namespace_options.userns_options: runtime handler " + handler
                        + " cannot run pods in user namespaces on this node: " + missing.get());
            }
            // Kubernetes refuses hostUsers: false with host namespaces; a node namespace cannot belong to the pod's
            // user namespace, and root of the pod would not administer it.
            if (modes.network() != PodSandboxSpec.Mode.POD
                    || modes.ipc() != PodSandboxSpec.Mode.POD
                    || modes.pid() == PodSandboxSpec.Mode.NODE) {
                throw new IllegalArgumentException("namespace_options.userns_options: a pod with its own user"
                        + " namespace cannot use the node's network, IPC or PID namespace");
            }
        }
        // A host-network pod shares the node's UTS namespace; its hostname file still says what kubelet asked.
        String hostname = modes.hostNetwork()
                ? Hostname.forHostNetworkPod(spec.hostname(), node.hostname())
                : Hostname.forPod(spec.hostname(), spec.name());
        List<Sysctl> sysctls = SysctlPolicy.validate(spec.sysctls(), modes.hostNetwork(), modes.hostIpc());
        String cgroupParent = spec.cgroupParent().isEmpty() ? defaultCgroupParent : spec.cgroupParent();
        cgroups.checkParent(cgroupParent);
        Optional<String> resolvConf = spec.dns().isEmpty()
                ? Optional.empty()
                : Optional.of(ResolvConf.render(
                        spec.dns().servers(), spec.dns().searches(), spec.dns().options()));

        List<PinnedNamespaces.Kind> kinds = new ArrayList<>();
        if (modes.ownUsers()) {
            kinds.add(PinnedNamespaces.Kind.USER);
        }
        if (!modes.hostNetwork()) {
            kinds.add(PinnedNamespaces.Kind.NET);
            kinds.add(PinnedNamespaces.Kind.UTS);
        }
        if (!modes.hostIpc()) {
            kinds.add(PinnedNamespaces.Kind.IPC);
        }
        boolean sharedPid = modes.pid() == PodSandboxSpec.Mode.POD;
        StateLayout.SandboxPaths paths = layout.sandbox(id);
        List<String> pins =
                new ArrayList<>(kinds.stream().map(k -> pin(paths, k)).toList());
        if (sharedPid) {
            // Named before it exists, like every pin: a crash after pinning must find it in the record.
            pins.add(paths.pin("pid").toString());
        }
        SandboxRecord.PodNamespaces namespaces = new SandboxRecord.PodNamespaces(
                pins,
                pinUnless(modes.hostNetwork(), paths, PinnedNamespaces.Kind.NET),
                pinUnless(modes.hostIpc(), paths, PinnedNamespaces.Kind.IPC),
                pinUnless(modes.hostNetwork(), paths, PinnedNamespaces.Kind.UTS),
                Optional.empty(),
                pinUnless(!modes.ownUsers(), paths, PinnedNamespaces.Kind.USER));
        SandboxRecord record = SandboxRecord.creating(
                id,
                name,
                spec,
                EpochNanos.now(),
                handler,
                cgroupParent,
                namespaces,
                modes.hostIpc() ? Optional.empty() : Optional.of(paths.shm().toString()),
                hostname);
        return new SandboxPlan(
                record, kinds, hostname, sysctls, resolvConf, !modes.hostIpc(), !modes.hostNetwork(), sharedPid);
    }

    /** The pin of {@code kind}, absent when the pod uses the node's namespace instead. */
    private static Optional<String> pinUnless(
            boolean nodes, StateLayout.SandboxPaths paths, PinnedNamespaces.Kind kind) {
        return nodes ? Optional.empty() : Optional.of(pin(paths, kind));
    }

    private static String pin(StateLayout.SandboxPaths paths, PinnedNamespaces.Kind kind) {
        return paths.pin(kind.file()).toString();
    }

    private static void requireMode(String field, PodSandboxSpec.Mode mode, PodSandboxSpec.Mode... allowed) {
        for (PodSandboxSpec.Mode ok : allowed) {
            if (mode == ok) {
                return;
            }
        }
        throw new IllegalArgumentException(field + ": mode " + mode + " is not supported here");
    }
}
