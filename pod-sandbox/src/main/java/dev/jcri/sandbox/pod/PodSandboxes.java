package dev.jcri.sandbox.pod;

import dev.jcri.cni.CniException;
import dev.jcri.cni.PodNetworking;
import dev.jcri.sandbox.CrashPoint;
import dev.jcri.sandbox.CrashPoint.Step;
import dev.jcri.sandbox.NotFoundException;
import dev.jcri.sandbox.ObjectId;
import dev.jcri.sandbox.RecordStore;
import dev.jcri.sandbox.Recovery;
import dev.jcri.sandbox.StateLayout;
import dev.jcri.sandbox.cgroup.CgroupDriver;
import dev.jcri.sandbox.ns.NetnsSockets;
import dev.jcri.sandbox.ns.UserNamespaceSupport;
import java.io.IOException;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The pod sandboxes of this node, as the CRI handlers see them: run ({@link SandboxPlanner} decides,
 * {@link SandboxRun} acts), stop, remove, and recovery after a restart.
 *
 * <p>A sandbox is its pinned namespaces (net, ipc, uts; the host's where the pod asks for them), a
 * {@code /dev/shm} tmpfs, resolv.conf/hosts/hostname files, and a CNI attachment. A record in state CREATING is
 * written before the first step of a run, so a crash mid-way is cleaned up by {@link #recover} on the next start.
 */
public final class PodSandboxes {
    private static final Logger log = LoggerFactory.getLogger(PodSandboxes.class);

    private final SandboxTable table;
    private final RecordStore<SandboxRecord> store;
    private final SandboxNetwork network;
    private final PodHost host;
    private final SandboxPlanner planner;
    private final SandboxRun runs;
    private volatile SandboxMembers members = NO_MEMBERS;
    private volatile UserNamespaceSupport userNamespaces;

    private static final SandboxMembers NO_MEMBERS = new SandboxMembers() {
        @Override
        public String startInfra(SandboxRecord sandbox) {
            throw new UnsupportedOperationException(
                    "namespace_options.pid POD needs an infra container, and no" + " container runtime is attached");
        }

        @Override
        public void stopContainers(String sandboxId) {}

        @Override
        public void stopInfra(String sandboxId) {}

        @Override
        public void removeContainers(String sandboxId) {}

        @Override
        public void removeInfra(String sandboxId) {}
    };

    public PodSandboxes(
            StateLayout layout,
            PodNetworking network,
            Set<String> runtimeHandlers,
            String defaultRuntimeHandler,
            String defaultCgroupParent,
            CgroupDriver cgroups)
            throws IOException {
        this.table = new SandboxTable(layout);
        this.store = table.store();
        this.host = PodHost.node();
        this.network = SandboxNetwork.cni(network, host);
        this.planner = new SandboxPlanner(layout, runtimeHandlers, defaultRuntimeHandler, defaultCgroupParent, cgroups);
        this.runs = new SandboxRun(table, this.network, host, () -> members);
    }

    /** RunPodSandbox: the plan first (nothing made if the request is refused), then the steps that act. */
    public SandboxRecord run(PodSandboxSpec spec) throws IOException, InterruptedException, CniException {
        SandboxPlan plan = planner.plan(ObjectId.generate(), spec, new SandboxPlanner.Node() {
            @Override
            public String hostname() {
                return nodeHostname();
            }

            @Override
            public Optional<String> userNamespacesMissing(String handler) {
                UserNamespaceSupport support = userNamespaces;
                return support == null ? Optional.of("not enabled") : support.missing(handler);
            }
        });
        return runs.run(plan);
    }

    /** The client received the sandbox's ID: a later create of its name is a duplicate, no retry. */
    public void answered(String id) {
        table.retries().answered(id);
    }

    /** A change to one existing sandbox, made under its lock. */
    @FunctionalInterface
    private interface Change {
        void apply(SandboxRecord record) throws IOException, InterruptedException;
    }

    /** Runs {@code change} on the sandbox if it exists; an unknown ID is no error (Stop and Remove are idempotent). */
    private void ifPresent(String idOrPrefix, Change change) throws IOException, InterruptedException {
        Optional<SandboxRecord> found = store.find(idOrPrefix);
        if (found.isEmpty()) {
            return;
        }
        ReentrantLock lock = table.lockOf(found.get().id());
        lock.lock();
        try {
            Optional<SandboxRecord> current = store.get(found.get().id());
            if (current.isPresent()) {
                change.apply(current.get());
            }
        } finally {
            lock.unlock();
        }
    }

    /**
     * Releases the pod's network: CNI DEL, then the network namespace. Idempotent: an unknown ID, a stopped
     * sandbox, a sandbox whose namespace vanished in a reboot all succeed.
     */
    public void stop(String idOrPrefix) throws IOException, InterruptedException {
        ifPresent(idOrPrefix, record -> {
            // The CRI: "If there are any running containers in the sandbox, they must be forcibly terminated."
            members.stopContainers(record.id());
            CrashPoint.reached(Step.SANDBOX_STOP_CONTAINERS_STOPPED);
            // The infra container (a pod sharing its PID namespace) goes beside the network: it needs neither the
            // network nor the record. A crash meanwhile leaves a pod that a retried stop or the removal ends.
            InfraTask.beside(
                    sharesPid(record), "infra-stop-" + record.id(), () -> members.stopInfra(record.id()), () -> {
                        // NOTREADY before the network goes: a crash in between leaves a stopped pod whose
                        // network the next start releases, never a READY one without it. No fsync of the record's
                        // dir: a node crash that takes NOTREADY back leaves READY, which the next start marks
                        // NOTREADY (its netns went with the reboot), as every READY pod; Stop or Remove releases
                        // the rest.
                        if (record.state() != SandboxState.NOTREADY) {
                            store.saveChange(record.withState(SandboxState.NOTREADY));
                        }
                        network.release(record);
                    });
            if (record.state() != SandboxState.NOTREADY) {
                log.info("sandbox stopped id={} name={}", record.id(), record.name());
            }
        });
    }

    /** Stops the sandbox if needed, then removes everything it holds. Idempotent. */
    public void remove(String idOrPrefix) throws IOException, InterruptedException {
        ifPresent(idOrPrefix, record -> {
            if (!record.removing()) {
                // From here the removal is finished by the next start if jcri dies; the sandbox never comes back.
                record = record.markedRemoving();
                store.save(record);
                table.retries().answered(record.id());
                CrashPoint.reached(Step.SANDBOX_REMOVING_SAVED);
            }
            members.removeContainers(record.id());
            CrashPoint.reached(Step.SANDBOX_REMOVE_CONTAINERS_REMOVED);
            // The infra container's removal goes beside the pod's own steps, which it does not need; the record
            // goes only after it, so a crash before leaves the removing pod for the next start to finish.
            SandboxRecord removing = record;
            InfraTask.beside(
                    sharesPid(record), "infra-remove-" + record.id(), () -> members.removeInfra(removing.id()), () -> {
                        network.release(removing);
                        host.releasePins(removing.namespaces().pins().stream()
                                .map(Path::of)
                                .toList());
                        CrashPoint.reached(Step.SANDBOX_REMOVE_UNPINNED);
                        if (removing.shm().isPresent()) {
                            host.unmountShm(Path.of(removing.shm().get()));
                        }
                    });
            store.delete(record.id());
            table.forgetLock(record.id());
            log.info("sandbox removed id={} name={}", record.id(), record.name());
        });
    }

    /** Enables pods with their own users (Kubernetes {@code hostUsers: false}) where the node can run them. */
    public void useUserNamespaces(UserNamespaceSupport support) {
        this.userNamespaces = support;
    }

    /** The containers module registers here, so that stopping or removing a pod stops or removes them first. */
    public void attach(SandboxMembers containers) {
        this.members = containers;
    }

    public Optional<SandboxRecord> find(String idOrPrefix) {
        return store.find(idOrPrefix);
    }

    /**
     * Port forwarding: a connection to {@code port} on the pod's own loopback, inside its network namespace (the
     * node's for a host-network pod), never the node's for a pod with its own network.
     */
    public SocketChannel connectToPort(String idOrPrefix, int port) throws IOException, InterruptedException {
        SandboxRecord record = requireReady(idOrPrefix);
        return NetnsSockets.connectLoopback(record.netns().map(Path::of).orElse(null), port);
    }

    /** The sandbox, which must exist (else NotFoundException) and be ready (else IllegalStateException). */
    public SandboxRecord requireReady(String idOrPrefix) {
        SandboxRecord record =
                find(idOrPrefix).orElseThrow(() -> new NotFoundException("pod sandbox " + idOrPrefix + " not found"));
        if (record.state() != SandboxState.READY) {
            throw new IllegalStateException("pod sandbox " + record.id() + " is not ready");
        }
        return record;
    }

    /**
     * Every sandbox that has a record, half-made ones included: a create reserves its record before it makes
     * anything, so whatever carries one of these IDs is owned.
     */
    public Set<String> recordIds() {
        return store.list().stream().map(SandboxRecord::id).collect(java.util.stream.Collectors.toSet());
    }

    public List<SandboxRecord> list() {
        return store.list().stream()
                .filter(r -> r.state() != SandboxState.CREATING && !r.removing())
                .toList();
    }

    /**
     * After a restart: sandboxes caught mid-creation are undone; sandboxes whose network namespace is gone (the
     * node rebooted) are NOTREADY.
     */
    public Recovery recover() throws IOException, InterruptedException {
        int restored = 0;
        int cleaned = 0;
        for (SandboxRecord record : store.load()) {
            try {
                if (record.state() == SandboxState.CREATING || record.removing()) {
                    log.warn(
                            "finishing a sandbox {} a crash interrupted id={} name={}",
                            record.removing() ? "removal" : "creation",
                            record.id(),
                            record.name());
                    remove(record.id());
                    cleaned++;
                    continue;
                }
                restored++;
                if (record.state() == SandboxState.READY
                        && !record.netns().isEmpty()
                        && !isMountPoint(Path.of(record.netns().get()))) {
                    store.save(record.withState(SandboxState.NOTREADY));
                    log.warn("sandbox lost its network namespace id={} name={}", record.id(), record.name());
                } else if (record.state() == SandboxState.NOTREADY
                        && !record.netns().isEmpty()
                        && (network.attached(record.id())
                                || Files.exists(Path.of(record.netns().get())))) {
                    log.warn("finishing a sandbox stop a crash interrupted id={} name={}", record.id(), record.name());
                    network.release(record);
                } else if (record.state() == SandboxState.READY) {
                    // The answer to its create may have died with the previous process.
                    table.retries().unanswered(record.id());
                }
            } catch (IOException | RuntimeException e) {
                log.error("sandbox recovery failed id={} error=\"{}\"", record.id(), e.getMessage());
            }
        }
        return new Recovery(restored, cleaned);
    }

    /** Whether the pod shares one PID namespace, which its infra container holds. */
    private static boolean sharesPid(SandboxRecord record) {
        return record.spec().namespaces().pid() == PodSandboxSpec.Mode.POD;
    }

    private static String nodeHostname() {
        // Not Files.readString: it reads /proc/sys files one byte first, and sysctls answer EOF past offset 0.
        try (var in = Files.newInputStream(Path.of("/proc/sys/kernel/hostname"))) {
            return new String(in.readNBytes(256), java.nio.charset.StandardCharsets.UTF_8).strip();
        } catch (IOException e) {
            return "localhost";
        }
    }

    private static boolean isMountPoint(Path path) throws IOException {
        String wanted = " " + path + " ";
        for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"))) {
            if (line.contains(wanted)) {
                return true;
            }
        }
        return false;
    }
}
