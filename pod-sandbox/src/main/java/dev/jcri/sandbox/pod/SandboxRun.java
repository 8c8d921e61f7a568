package dev.jcri.sandbox.pod;

import dev.jcri.cni.CniException;
import dev.jcri.sandbox.CrashPoint;
import dev.jcri.sandbox.CrashPoint.Step;
import dev.jcri.sandbox.Rollback;
import dev.jcri.sandbox.StateLayout;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The steps of RunPodSandbox that act, following a {@link SandboxPlan}: reserve the name, save the CREATING
 * record, write resolv.conf and hostname, mount /dev/shm, pin the namespaces, CNI ADD (with the infra container
 * of a pod sharing its PID namespace made and started beside it, on a virtual thread), write hosts, pin the infra's
 * PID namespace, save READY. Every step pushes its undo first; a failure runs them in reverse, once the infra
 * container's create has ended.
 */
final class SandboxRun {
    private static final Logger log = LoggerFactory.getLogger(SandboxRun.class);

    private final SandboxTable table;
    private final SandboxNetwork network;
    private final PodHost host;
    private final Supplier<SandboxMembers> members;

    SandboxRun(SandboxTable table, SandboxNetwork network, PodHost host, Supplier<SandboxMembers> members) {
        this.table = table;
        this.network = network;
        this.host = host;
        this.members = members;
    }

    SandboxRecord run(SandboxPlan plan) throws IOException, InterruptedException, CniException {
        SandboxRecord record = plan.record();
        String id = record.id();
        StateLayout layout = table.layout();
        StateLayout.SandboxPaths paths = layout.sandbox(id);
        List<Path> pins = record.namespaces().pins().stream().map(Path::of).toList();

        // Locked before the name is taken: a retry that finds the name waits for this create to end.
        ReentrantLock lock = table.lockOf(id);
        lock.lock();
        Optional<SandboxRecord> earlier = reserveName(record, lock);
        if (earlier.isPresent()) {
            return earlier.get();
        }
        Rollback undo = new Rollback();
        undo.push(() -> table.store().delete(id));
        CrashPoint.reached(Step.SANDBOX_NAME_RESERVED);
        InfraTask<String> infra = null;
        try {
            if (plan.sharedPid()) {
                // Durable: the infra container's records, which may reach the disk, must never outlive their pod's.
                table.store().save(record);
            } else {
                // No fsync: READY's save makes the record and its dir durable. A node crash before it loses only
                // what a reboot empties anyway (the runroot's pins and shm) or what the orphan sweep takes back
                // when no record owns it (the CNI attachment, the record dir): docs/architecture.md.
                table.store().saveAhead(record);
            }
            CrashPoint.reached(Step.SANDBOX_CREATING_SAVED);
            Files.writeString(
                    paths.resolvConf(),
                    plan.resolvConf().isPresent()
                            ? plan.resolvConf().get()
                            : ResolvConf.fromHost(layout.hostResolvConf()));
            Files.writeString(paths.hostname(), HostnameFile.content(plan.hostname()));

            if (plan.ownShm()) {
                undo.push(() -> host.unmountShm(paths.shm()));
                host.mountShm(paths.shm());
                CrashPoint.reached(Step.SANDBOX_SHM_MOUNTED);
            }
            undo.push(() -> host.releasePins(pins));
            host.pinNamespaces(
                    layout.namespacePins(),
                    id,
                    plan.pinned(),
                    plan.hostname(),
                    plan.sysctlWrites(),
                    record.spec().namespaces().users());
            CrashPoint.reached(Step.SANDBOX_NAMESPACES_PINNED);

            if (plan.sharedPid()) {
                // A shared PID namespace needs a process to live in: the infra container, for these pods only. It
                // joins the namespaces pinned above and needs no network, so it is made while CNI ADD runs. Its
                // /etc/hosts bind needs the file now; the pod's IPs are written into it (same inode) after ADD.
                Files.writeString(paths.hosts(), hostsFile(plan, layout, List.of()));
                undo.push(() -> members.get().removeAll(id));
                SandboxRecord creating = record;
                infra = InfraTask.start("infra-start-" + id, () -> members.get().startInfra(creating));
            }
            List<String> ips = List.of();
            if (plan.ownNetwork()) {
                // PodNetworking runs DEL itself when ADD fails half-way; a later step's failure needs it here.
                ips = network.setUp(record);
                SandboxRecord attached = record;
                undo.push(() -> network.tearDown(attached));
                CrashPoint.reached(Step.SANDBOX_CNI_ADDED);
            }
            Files.writeString(paths.hosts(), hostsFile(plan, layout, ips));
            record = record.withNetwork(ips);
            if (infra != null) {
                Path source = Path.of(infra.await());
                Path pidPin = host.pinExisting(paths.pin("pid"), source);
                undo.push(() -> host.releasePins(List.of(pidPin)));
                record = record.withPidNamespace(pidPin.toString());
            }
            record = record.withState(SandboxState.READY);
            table.store().save(record);
            table.retries().unanswered(id);
            CrashPoint.reached(Step.SANDBOX_READY_SAVED);
            undo.commit();
            log.info(
                    "sandbox ready id={} name={} ips={} netns={}",
                    id,
                    record.name(),
                    ips,
                    record.netns().orElse("host"));
            return record;
        } catch (IOException | InterruptedException | RuntimeException e) {
            // The undo removes the infra container: never while its create still runs.
            if (infra != null) {
                infra.awaitAfter(e);
            }
            undo.undo(e);
            table.forgetLock(id);
            log.warn("sandbox creation undone id={} error=\"{}\"", id, e.getMessage());
            throw e;
        } finally {
            lock.unlock();
        }
    }

    private static String hostsFile(SandboxPlan plan, StateLayout layout, List<String> ips) throws IOException {
        return plan.ownNetwork() ? HostsFile.forPod(plan.hostname(), ips) : HostsFile.fromHost(layout.hostHosts());
    }

    /**
     * Takes the record's name, or answers a retry of an earlier create with that sandbox; in that case, or on
     * failure, releases {@code lock} (the new record's, held by the caller).
     */
    private Optional<SandboxRecord> reserveName(SandboxRecord record, ReentrantLock lock) throws InterruptedException {
        Optional<SandboxRecord> earlier = table.retries()
                .reserve(
                        table.store(),
                        record,
                        table::lockOf,
                        held -> held.state() == SandboxState.READY
                                && !held.removing()
                                && held.spec().equals(record.spec()),
                        () -> {
                            lock.unlock();
                            table.forgetLock(record.id());
                        });
        earlier.ifPresent(e ->
                log.info("sandbox create retried, answering with the earlier one id={} name={}", e.id(), e.name()));
        return earlier;
    }
}
