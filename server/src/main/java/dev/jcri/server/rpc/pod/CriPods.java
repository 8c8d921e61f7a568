package dev.jcri.server.rpc.pod;

import dev.jcri.cri.v1.IDMapping;
import dev.jcri.cri.v1.LinuxPodSandboxStatus;
import dev.jcri.cri.v1.Namespace;
import dev.jcri.cri.v1.NamespaceMode;
import dev.jcri.cri.v1.NamespaceOption;
import dev.jcri.cri.v1.PodIP;
import dev.jcri.cri.v1.PodSandbox;
import dev.jcri.cri.v1.PodSandboxConfig;
import dev.jcri.cri.v1.PodSandboxMetadata;
import dev.jcri.cri.v1.PodSandboxNetworkStatus;
import dev.jcri.cri.v1.PodSandboxState;
import dev.jcri.cri.v1.PodSandboxStatus;
import dev.jcri.cri.v1.PortMapping;
import dev.jcri.cri.v1.Protocol;
import dev.jcri.cri.v1.UserNamespace;
import dev.jcri.sandbox.ns.UserMappings;
import dev.jcri.sandbox.pod.IpLiteral;
import dev.jcri.sandbox.pod.PodSandboxSpec;
import dev.jcri.sandbox.pod.QuotedText;
import dev.jcri.sandbox.pod.SandboxRecord;
import dev.jcri.sandbox.pod.SandboxState;
import dev.jcri.server.rpc.FieldCheck;
import java.util.ArrayList;
import java.util.List;

/** Translates between the CRI's pod messages and the sandbox domain. */
public final class CriPods {
    private CriPods() {}

    /**
     * The CRI config as the domain's spec. Checked here: the metadata is there, the log directory is an absolute
     * path that does not climb (containers' logs go below it), and port mappings are ports and addresses; the
     * domain checks names, DNS, sysctls, namespaces and the cgroup parent.
     */
    static PodSandboxSpec toSpec(PodSandboxConfig config, String runtimeHandler) {
        if (!config.hasMetadata()) {
            throw new IllegalArgumentException("config.metadata: required");
        }
        PodSandboxMetadata metadata = config.getMetadata();
        FieldCheck.required("config.metadata.name", metadata.getName());
        FieldCheck.required("config.metadata.namespace", metadata.getNamespace());
        FieldCheck.required("config.metadata.uid", metadata.getUid());
        String logDirectory = config.getLogDirectory().isEmpty()
                ? ""
                : FieldCheck.absolutePath("config.log_directory", config.getLogDirectory());
        NamespaceOption namespaces = config.getLinux().getSecurityContext().getNamespaceOptions();
        List<PodSandboxSpec.PortMapping> ports = new ArrayList<>();
        for (int i = 0; i < config.getPortMappingsCount(); i++) {
            ports.add(toDomain(config.getPortMappings(i), "config.port_mappings[" + i + "]"));
        }
        return new PodSandboxSpec(
                metadata.getName(),
                metadata.getNamespace(),
                metadata.getUid(),
                Integer.toUnsignedLong(metadata.getAttempt()),
                config.getHostname(),
                logDirectory,
                new PodSandboxSpec.Dns(
                        config.getDnsConfig().getServersList(),
                        config.getDnsConfig().getSearchesList(),
                        config.getDnsConfig().getOptionsList()),
                ports,
                config.getLabelsMap(),
                config.getAnnotationsMap(),
                config.getLinux().getCgroupParent(),
                config.getLinux().getSysctlsMap(),
                new PodSandboxSpec.Namespaces(
                        mode(namespaces.getNetwork()),
                        mode(namespaces.getPid()),
                        mode(namespaces.getIpc()),
                        userMappings(namespaces)),
                runtimeHandler);
    }

    /**
     * User namespaces (Kubernetes {@code hostUsers: false}): NODE or none means host users (null); POD needs one
     * mapping each for users and groups, starting at container ID 0, as the CRI says.
     */
    private static UserMappings userMappings(NamespaceOption namespaces) {
        if (!namespaces.hasUsernsOptions()) {
            return null;
        }
        UserNamespace userns = namespaces.getUsernsOptions();
        switch (userns.getMode()) {
            case NODE -> {
                return null;
            }
            case POD -> {}
            case CONTAINER, TARGET ->
                throw new IllegalArgumentException("namespace_options.userns_options.mode: " + userns.getMode()
                        + " is not a mode the CRI allows for user namespaces (POD or NODE)");
            case UNRECOGNIZED ->
                throw new IllegalArgumentException("namespace_options.userns_options.mode: unknown value");
        }
        return new UserMappings(
                range(userns.getUidsList(), "namespace_options.userns_options.uids"),
                range(userns.getGidsList(), "namespace_options.userns_options.gids"));
    }

    /** One CRI ID mapping list as the single range jcri supports; {@code field} names it in errors. */
    public static UserMappings.Range range(List<IDMapping> mappings, String field) {
        if (mappings.size() != 1) {
            throw new IllegalArgumentException(field + ": exactly one mapping is supported, got " + mappings.size());
        }
        IDMapping mapping = mappings.getFirst();
        if (mapping.getContainerId() != 0 || mapping.getLength() == 0) {
            throw new IllegalArgumentException(
                    field + ": the mapping must start at container ID 0 and map at least one ID");
        }
        try {
            return new UserMappings.Range(
                    0, Integer.toUnsignedLong(mapping.getHostId()), Integer.toUnsignedLong(mapping.getLength()));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(field + ": " + e.getMessage());
        }
    }

    /** These reach the CNI portmap plugin, which writes them into the node's iptables rules. */
    private static PodSandboxSpec.PortMapping toDomain(PortMapping mapping, String field) {
        if (mapping.getProtocol() == Protocol.UNRECOGNIZED) {
            throw new IllegalArgumentException(
                    field + ".protocol: " + mapping.getProtocolValue() + " is none of TCP, UDP, SCTP");
        }
        if (mapping.getContainerPort() < 1 || mapping.getContainerPort() > 65535) {
            throw new IllegalArgumentException(
                    field + ".container_port: " + mapping.getContainerPort() + " is not a port (1-65535)");
        }
        if (mapping.getHostPort() < 0 || mapping.getHostPort() > 65535) {
            throw new IllegalArgumentException(
                    field + ".host_port: " + mapping.getHostPort() + " is not a port (1-65535, or 0 for none)");
        }
        if (!mapping.getHostIp().isEmpty() && !IpLiteral.isValid(mapping.getHostIp())) {
            throw new IllegalArgumentException(
                    field + ".host_ip: " + QuotedText.of(mapping.getHostIp()) + " is not an IP address");
        }
        return new PodSandboxSpec.PortMapping(
                mapping.getProtocol().name(), mapping.getContainerPort(), mapping.getHostPort(), mapping.getHostIp());
    }

    private static PodSandboxSpec.Mode mode(NamespaceMode mode) {
        return switch (mode) {
            case POD -> PodSandboxSpec.Mode.POD;
            case CONTAINER -> PodSandboxSpec.Mode.CONTAINER;
            case NODE -> PodSandboxSpec.Mode.NODE;
            case TARGET -> PodSandboxSpec.Mode.TARGET;
            case UNRECOGNIZED -> throw new IllegalArgumentException("namespace_options: unknown namespace mode");
        };
    }

    private static NamespaceMode toCri(PodSandboxSpec.Mode mode) {
        return NamespaceMode.valueOf(mode.name());
    }

    private static UserNamespace toCri(UserMappings users) {
        if (users == null) {
            return UserNamespace.newBuilder().setMode(NamespaceMode.NODE).build();
        }
        return UserNamespace.newBuilder()
                .setMode(NamespaceMode.POD)
                .addUids(toCri(users.uids()))
                .addGids(toCri(users.gids()))
                .build();
    }

    private static IDMapping toCri(UserMappings.Range range) {
        return IDMapping.newBuilder()
                .setContainerId((int) range.containerId())
                .setHostId((int) range.hostId())
                .setLength((int) range.length())
                .build();
    }

    public static PodSandboxMetadata metadata(SandboxRecord record) {
        PodSandboxSpec spec = record.spec();
        return PodSandboxMetadata.newBuilder()
                .setName(spec.name())
                .setNamespace(spec.namespace())
                .setUid(spec.uid())
                .setAttempt((int) spec.attempt())
                .build();
    }

    /** CREATING is internal: a sandbox being made is not ready. */
    static PodSandboxState state(SandboxState state) {
        return state == SandboxState.READY ? PodSandboxState.SANDBOX_READY : PodSandboxState.SANDBOX_NOTREADY;
    }

    static PodSandbox toListItem(SandboxRecord record) {
        return PodSandbox.newBuilder()
                .setId(record.id())
                .setMetadata(metadata(record))
                .setState(state(record.state()))
                .setCreatedAt(record.createdAt())
                .putAllLabels(record.spec().labels())
                .putAllAnnotations(record.spec().annotations())
                .setRuntimeHandler(record.runtimeHandler())
                .build();
    }

    public static PodSandboxStatus toStatus(SandboxRecord record) {
        PodSandboxNetworkStatus.Builder network = PodSandboxNetworkStatus.newBuilder();
        if (!record.ips().isEmpty()) {
            network.setIp(record.ips().getFirst());
            record.ips().stream()
                    .skip(1)
                    .forEach(ip -> network.addAdditionalIps(PodIP.newBuilder().setIp(ip)));
        }
        PodSandboxSpec.Namespaces namespaces = record.spec().namespaces();
        return PodSandboxStatus.newBuilder()
                .setId(record.id())
                .setMetadata(metadata(record))
                .setState(state(record.state()))
                .setCreatedAt(record.createdAt())
                .setNetwork(network)
                .setLinux(LinuxPodSandboxStatus.newBuilder()
                        .setNamespaces(Namespace.newBuilder()
                                .setOptions(NamespaceOption.newBuilder()
                                        .setNetwork(toCri(namespaces.network()))
                                        .setPid(toCri(namespaces.pid()))
                                        .setIpc(toCri(namespaces.ipc()))
                                        .setUsernsOptions(toCri(namespaces.users())))))
                .putAllLabels(record.spec().labels())
                .putAllAnnotations(record.spec().annotations())
                .setRuntimeHandler(record.runtimeHandler())
                .build();
    }
}
