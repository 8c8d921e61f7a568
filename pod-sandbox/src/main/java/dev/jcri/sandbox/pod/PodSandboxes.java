package dev.jcri.sandbox.pod;

import dev.jcri.sandbox.cgroup.CgroupDriver;
import dev.jcri.sandbox.cgroup.CgroupfsDriver;

import dev.jcri.cni.CniBandwidth;
import dev.jcri.cni.CniException;
import dev.jcri.cni.CniPortMapping;
import dev.jcri.cni.CniResult;
import dev.jcri.cni.CniRuntimeConf;
import dev.jcri.cni.PodNetworking;
import dev.jcri.linux.Mount;
import dev.jcri.sandbox.CrashPoint;
import dev.jcri.sandbox.CrashPoint.Step;
import dev.jcri.sandbox.CreateRetries;
import dev.jcri.sandbox.EpochNanos;
import dev.jcri.sandbox.NotFoundException;
import dev.jcri.sandbox.RecordStore;
import dev.jcri.sandbox.Recovery;
import dev.jcri.sandbox.Rollback;
import dev.jcri.sandbox.ns.NetnsSockets;
import dev.jcri.sandbox.ns.PinnedNamespaces;
import dev.jcri.sandbox.ns.ProcSysWrite;
import dev.jcri.sandbox.ns.UserNamespaceSupport;
import java.io.IOException;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Pod sandboxes: run, stop, remove, and recovery after a restart.
 *
 * <p>A sandbox is its pinned namespaces (net, ipc, uts; the host's where the pod asks for them), a
 * {@code /dev/shm} tmpfs, resolv.conf/hosts/hostname files, and a CNI attachment. Every step of {@link #run} has
 * its undo, run in reverse on failure; a record in state CREATING is written before the first step, so a crash
 * mid-way is cleaned up by {@link #recover} on the next start.
 */
public final class PodSandboxes {
    private static final Logger log = LoggerFactory.getLogger(PodSandboxes.class);
    /** The size kubelet and Docker give /dev/shm when the pod asks nothing. */
    static final long SHM_BYTES = 64L << 20;

    /** Where a sandbox's runtime state goes; all paths jcri owns. */
    public record Layout(Path nsRoot, Path shmRoot, Path hostResolvConf, Path hostHosts) {}

    private final RecordStore<SandboxRecord> store;
    private final PodNetworking network;
    private final Layout layout;
    private final Set<String> runtimeHandlers;
    private final String defaultRuntimeHandler;
    private final String defaultCgroupParent;
    private volatile CgroupDriver cgroupDriver = new CgroupfsDriver(List.of());
    private final ConcurrentHashMap<String, ReentrantLock> locks = new ConcurrentHashMap<>();
    private final CreateRetries retries = new CreateRetries();
    private volatile SandboxMembers members = NO_MEMBERS;
    private volatile UserNamespaceSupport userNamespaces;

    private static final SandboxMembers NO_MEMBERS = new SandboxMembers() {
        @Override
        public String startInfra(SandboxRecord sandbox) {
            throw new UnsupportedOperationException("namespace_options.pid POD needs an infra container, and no"
                    + " container runtime is attached");
        }

        @Override
        public void stopAll(String sandboxId) {}

        @Override
        public void removeAll(String sandboxId) {}
    };

    /** The store of sandbox records: {@code <dir>/<id>/sandbox.json}. */
    public static RecordStore<SandboxRecord> openStore(Path dir) throws IOException {
        return new RecordStore<>(dir, "sandbox.json", SandboxRecord.class, SandboxRecord::id, SandboxRecord::name,
                "sandbox");
    }

    public PodSandboxes(RecordStore<SandboxRecord> store, PodNetworking network, Layout layout, Set<String> runtimeHandlers,
            String defaultRuntimeHandler, String defaultCgroupParent) {
        this.store = store;
        this.network = network;
        this.layout = layout;
        this.runtimeHandlers = Set.copyOf(runtimeHandlers);
        this.defaultRuntimeHandler = defaultRuntimeHandler;
        this.defaultCgroupParent = defaultCgroupParent;
    }

    /** The node's cgroup driver, which decides what a pod's cgroup parent may look like. */
    public void useCgroupDriver(CgroupDriver driver) {
        this.cgroupDriver = driver;
    }

    public SandboxRecord run(PodSandboxSpec spec) throws IOException, InterruptedException, CniException {
        String name = SandboxName.of(spec.name(), spec.namespace(), spec.uid(), spec.attempt());
        String handler = spec.runtimeHandler().isEmpty() ? defaultRuntimeHandler : spec.runtimeHandler();
        if (!runtimeHandlers.contains(handler)) {
            throw new IllegalArgumentException("runtime_handler: unknown handler \"" + handler
                    + "\" (this node has: " + String.join(", ", runtimeHandlers.stream().sorted().toList()) + ")");
        }
        PodSandboxSpec.Namespaces modes = spec.namespaces();
        requireMode("namespace_options.network", modes.network(), PodSandboxSpec.Mode.POD, PodSandboxSpec.Mode.NODE);
        requireMode("namespace_options.ipc", modes.ipc(), PodSandboxSpec.Mode.POD, PodSandboxSpec.Mode.NODE);
        requireMode("namespace_options.pid", modes.pid(), PodSandboxSpec.Mode.POD, PodSandboxSpec.Mode.CONTAINER,
                PodSandboxSpec.Mode.NODE);
        if (modes.ownUsers()) {
            UserNamespaceSupport support = userNamespaces;
            Optional<String> missing = support == null ? Optional.of("not enabled") : support.missing(handler);
            if (missing.isPresent()) {
                throw new IllegalStateException("namespace_options.userns_options: runtime handler " + handler
                        + " cannot run pods in user namespaces on this node: " + missing.get());
            }
            // Kubernetes refuses hostUsers: false with host namespaces; a node namespace cannot belong to the pod's
            // user namespace, and root of the pod would not administer it.
            if (modes.network() != PodSandboxSpec.Mode.POD || modes.ipc() != PodSandboxSpec.Mode.POD
                    || modes.pid() == PodSandboxSpec.Mode.NODE) {
                throw new IllegalArgumentException("namespace_options.userns_options: a pod with its own user"
                        + " namespace cannot use the node's network, IPC or PID namespace");
            }
        }
        // A host-network pod shares the node's UTS namespace; its hostname file still says what kubelet asked.
        String hostname = modes.hostNetwork()
                ? Hostname.forHostNetworkPod(spec.hostname(), nodeHostname())
                : Hostname.forPod(spec.hostname(), spec.name());
        List<Sysctl> sysctls = SysctlPolicy.validate(spec.sysctls(), modes.hostNetwork(), modes.hostIpc());
        String cgroupParent = spec.cgroupParent().isEmpty() ? defaultCgroupParent : spec.cgroupParent();
        cgroupDriver.checkParent(cgroupParent);
        String resolvConf = spec.dns().isEmpty()
                ? ResolvConf.fromHost(layout.hostResolvConf())
                : ResolvConf.render(spec.dns().servers(), spec.dns().searches(), spec.dns().options());

        String id = SandboxId.generate();
        Path shm = layout.shmRoot().resolve(id).resolve("shm");
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
        String netns = modes.hostNetwork() ? "" : pin(PinnedNamespaces.Kind.NET, id);
        String utsns = modes.hostNetwork() ? "" : pin(PinnedNamespaces.Kind.UTS, id);
        String ipcns = modes.hostIpc() ? "" : pin(PinnedNamespaces.Kind.IPC, id);
        String userns = modes.ownUsers() ? pin(PinnedNamespaces.Kind.USER, id) : "";
        List<String> pins = new ArrayList<>(kinds.stream().map(k -> pin(k, id)).toList());
        if (modes.pid() == PodSandboxSpec.Mode.POD) {
            // Named before it exists, like every pin: a crash after pinning must find it in the record.
            pins.add(pidPin(id).toString());
        }
        SandboxRecord record = new SandboxRecord(id, name, spec, SandboxState.CREATING, EpochNanos.now(), handler,
                cgroupParent, pins, netns, ipcns, utsns, modes.hostIpc() ? "" : shm.toString(), List.of(), hostname, "",
                userns, false);

        // Locked before the name is taken: a retry that finds the name waits for this create to end.
        ReentrantLock lock = lockOf(id);
        lock.lock();
        Optional<SandboxRecord> earlier = reserveName(record, lock);
        if (earlier.isPresent()) {
            return earlier.get();
        }
        Rollback undo = new Rollback();
        undo.push(() -> store.delete(id));
        CrashPoint.reached(Step.SANDBOX_NAME_RESERVED);
        try {
            store.save(record);
            CrashPoint.reached(Step.SANDBOX_CREATING_SAVED);
            Path dir = store.dirOf(id);
            Files.writeString(dir.resolve("resolv.conf"), resolvConf);
            Files.writeString(dir.resolve("hostname"), HostnameFile.content(hostname));

            if (!modes.hostIpc()) {
                undo.push(() -> unmountShm(shm));
                mountShm(shm);
                CrashPoint.reached(Step.SANDBOX_SHM_MOUNTED);
            }
            undo.push(() -> PinnedNamespaces.release(pins.stream().map(Path::of).toList()));
            PinnedNamespaces.create(layout.nsRoot(), id, kinds, hostname, sysctls.stream()
                    .map(s -> new ProcSysWrite(s.procPath(), s.value())).toList(), modes.users());
            CrashPoint.reached(Step.SANDBOX_NAMESPACES_PINNED);

            List<String> ips = List.of();
            if (!modes.hostNetwork()) {
                // PodNetworking runs DEL itself when ADD fails half-way; a later step's failure needs it here.
                CniResult result = network.setUp(cniRuntime(record));
                SandboxRecord attached = record;
                undo.push(() -> network.tearDown(cniRuntime(attached)));
                CrashPoint.reached(Step.SANDBOX_CNI_ADDED);
                ips = result.podIps(CniRuntimeConf.POD_INTERFACE);
            }
            Files.writeString(dir.resolve("hosts"), modes.hostNetwork()
                    ? HostsFile.fromHost(layout.hostHosts())
                    : HostsFile.forPod(hostname, ips));
            record = record.withNetwork(ips);
            if (modes.pid() == PodSandboxSpec.Mode.POD) {
                // A shared PID namespace needs a process to live in: the infra container, for these pods only.
                undo.push(() -> members.removeAll(id));
                Path source = Path.of(members.startInfra(record));
                Path pidPin = PinnedNamespaces.pinExisting(layout.nsRoot(), "pid", id, source);
                undo.push(() -> PinnedNamespaces.release(List.of(pidPin)));
                record = record.withPidNamespace(pidPin.toString());
            }
            record = record.withState(SandboxState.READY);
            store.save(record);
            retries.unanswered(id);
            CrashPoint.reached(Step.SANDBOX_READY_SAVED);
            undo.commit();
            log.info("sandbox ready id={} name={} ips={} netns={}", id, name, ips, netns.isEmpty() ? "host" : netns);
            return record;
        } catch (IOException | InterruptedException | RuntimeException e) {
            undo.undo(e);
            locks.remove(id);
            log.warn("sandbox creation undone id={} error=\"{}\"", id, e.getMessage());
            throw e;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Takes the record's name, or answers a retry of an earlier create with that sandbox; in that case, or on
     * failure, releases {@code lock} (the new record's, held by the caller).
     */
    private Optional<SandboxRecord> reserveName(SandboxRecord record, ReentrantLock lock)
            throws InterruptedException {
        Optional<SandboxRecord> earlier = retries.reserve(store, record, this::lockOf, held ->
                held.state() == SandboxState.READY && !held.removing() && held.spec().equals(record.spec()), () -> {
                    lock.unlock();
                    locks.remove(record.id());
                });
        earlier.ifPresent(e -> log.info("sandbox create retried, answering with the earlier one id={} name={}",
                e.id(), e.name()));
        return earlier;
    }

    /** The client received the sandbox's ID: a later create of its name is a duplicate, no retry. */
    public void answered(String id) {
        retries.answered(id);
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
        ReentrantLock lock = lockOf(found.get().id());
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
            members.stopAll(record.id());
            CrashPoint.reached(Step.SANDBOX_STOP_CONTAINERS_STOPPED);
            // NOTREADY before the network goes: a crash in between leaves a stopped pod whose network the next
            // start releases, never a READY one without it.
            if (record.state() != SandboxState.NOTREADY) {
                store.save(record.withState(SandboxState.NOTREADY));
            }
            releaseNetwork(record);
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
                retries.answered(record.id());
                CrashPoint.reached(Step.SANDBOX_REMOVING_SAVED);
            }
            members.removeAll(record.id());
            CrashPoint.reached(Step.SANDBOX_REMOVE_CONTAINERS_REMOVED);
            releaseNetwork(record);
            PinnedNamespaces.release(record.pins().stream().map(Path::of).toList());
            CrashPoint.reached(Step.SANDBOX_REMOVE_UNPINNED);
            if (!record.shm().isEmpty()) {
                unmountShm(Path.of(record.shm()));
            }
            store.delete(record.id());
            locks.remove(record.id());
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

    /** Where the sandbox's resolv.conf, hosts and hostname files are, for its containers to bind. */
    public Path filesDir(String id) {
        return store.dirOf(id);
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
        return NetnsSockets.connectLoopback(record.netns().isEmpty() ? null : Path.of(record.netns()), port);
    }

    /** The sandbox, which must exist (else NotFoundException) and be ready (else IllegalStateException). */
    public SandboxRecord requireReady(String idOrPrefix) {
        SandboxRecord record = find(idOrPrefix)
                .orElseThrow(() -> new NotFoundException("pod sandbox " + idOrPrefix + " not found"));
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
        return store.list().stream().filter(r -> r.state() != SandboxState.CREATING && !r.removing()).toList();
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
                    log.warn("finishing a sandbox {} a crash interrupted id={} name={}",
                            record.removing() ? "removal" : "creation", record.id(), record.name());
                    remove(record.id());
                    cleaned++;
                    continue;
                }
                restored++;
                if (record.state() == SandboxState.READY && !record.netns().isEmpty()
                        && !isMountPoint(Path.of(record.netns()))) {
                    store.save(record.withState(SandboxState.NOTREADY));
                    log.warn("sandbox lost its network namespace id={} name={}", record.id(), record.name());
                } else if (record.state() == SandboxState.NOTREADY && !record.netns().isEmpty()
                        && (network.attached(record.id()) || Files.exists(Path.of(record.netns())))) {
                    log.warn("finishing a sandbox stop a crash interrupted id={} name={}", record.id(), record.name());
                    releaseNetwork(record);
                } else if (record.state() == SandboxState.READY) {
                    // The answer to its create may have died with the previous process.
                    retries.unanswered(record.id());
                }
            } catch (IOException | RuntimeException e) {
                log.error("sandbox recovery failed id={} error=\"{}\"", record.id(), e.getMessage());
            }
        }
        return new Recovery(restored, cleaned);
    }

    private void releaseNetwork(SandboxRecord record) throws IOException, CniException {
        if (record.netns().isEmpty()) {
            return;
        }
        Path netns = Path.of(record.netns());
        // CNI DEL runs even when the namespace is already gone, so that IPs and host rules are released; for a
        // create a crash cut short only if ADD began (its cache entry is written first).
        if (record.state() != SandboxState.CREATING || network.attached(record.id())) {
            network.tearDown(cniRuntime(record));
        }
        CrashPoint.reached(Step.SANDBOX_CNI_DELETED);
        PinnedNamespaces.release(List.of(netns));
        CrashPoint.reached(Step.SANDBOX_NETNS_UNPINNED);
    }

    private CniRuntimeConf cniRuntime(SandboxRecord record) {
        PodSandboxSpec spec = record.spec();
        List<CniPortMapping> ports = spec.portMappings().stream()
                .filter(p -> p.hostPort() > 0)
                .map(p -> new CniPortMapping(p.hostPort(), p.containerPort(), p.protocol().toLowerCase(),
                        p.hostIp()))
                .toList();
        return CniRuntimeConf.forPod(record.id(), Path.of(record.netns()), spec.namespace(), spec.name(), spec.uid())
                .withPortMappings(ports)
                .withBandwidth(CniBandwidth.fromPodAnnotations(spec.annotations()))
                .withPodAnnotations(spec.annotations());
    }

    private static String nodeHostname() {
        // Not Files.readString: it reads /proc/sys files one byte first, and sysctls answer EOF past offset 0.
        try (var in = Files.newInputStream(Path.of("/proc/sys/kernel/hostname"))) {
            return new String(in.readNBytes(256), java.nio.charset.StandardCharsets.UTF_8).strip();
        } catch (IOException e) {
            return "localhost";
        }
    }

    private Path pidPin(String id) {
        return layout.nsRoot().resolve("pid").resolve(id);
    }

    private String pin(PinnedNamespaces.Kind kind, String id) {
        return PinnedNamespaces.pinPath(layout.nsRoot(), kind, id).toString();
    }

    private static void mountShm(Path shm) throws IOException {
        Files.createDirectories(shm);
        Mount.mount("shm", shm.toString(), "tmpfs", Mount.MS_NOSUID | Mount.MS_NODEV | Mount.MS_NOEXEC,
                "mode=1777,size=" + SHM_BYTES);
    }

    private static void unmountShm(Path shm) throws IOException {
        Mount.detach(shm.toString());
        Files.deleteIfExists(shm);
        Path parent = shm.getParent();
        if (Files.isDirectory(parent)) {
            try (var rest = Files.list(parent)) {
                if (rest.findAny().isEmpty()) {
                    Files.delete(parent);
                }
            }
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

    private static void requireMode(String field, PodSandboxSpec.Mode mode, PodSandboxSpec.Mode... allowed) {
        for (PodSandboxSpec.Mode ok : allowed) {
            if (mode == ok) {
                return;
            }
        }
        throw new IllegalArgumentException(field + ": mode " + mode + " is not supported here");
    }

    private ReentrantLock lockOf(String id) {
        return locks.computeIfAbsent(id, k -> new ReentrantLock());
    }

}
