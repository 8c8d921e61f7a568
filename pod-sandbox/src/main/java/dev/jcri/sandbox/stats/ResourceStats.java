package dev.jcri.sandbox.stats;

import dev.jcri.sandbox.EpochNanos;
import dev.jcri.sandbox.cgroup.CgroupParent;
import dev.jcri.sandbox.container.ContainerRecord;
import dev.jcri.sandbox.container.ContainerState;
import dev.jcri.sandbox.container.Containers;
import dev.jcri.sandbox.ns.NetnsThread;
import dev.jcri.sandbox.pod.PodSandboxes;
import dev.jcri.sandbox.pod.SandboxRecord;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Resource usage of containers and pods, for the stats and metrics RPCs: each container's cgroup (CPU, memory,
 * processes), its writable layer, and a pod's network counters read inside its namespace.
 *
 * <p>Many containers are sampled in parallel on virtual threads (each sample is a handful of small file reads
 * and a walk of the writable layer). CPU rates come from the previous sample of the same container.
 */
public final class ResourceStats {
    private static final Logger log = LoggerFactory.getLogger(ResourceStats.class);

    /** One container at one moment; {@code nanoCores} is unknown (-1) on its first sample. */
    public record ContainerSample(
            ContainerRecord container,
            long timestamp,
            CgroupUsage usage,
            long nanoCores,
            WritableLayerUsage writableLayer,
            Path writableLayerPath) {}

    /**
     * One pod: its containers summed, its network, and its containers.
     *
     * @param ioPressure the IO pressure of the pod's own cgroup (cgroup v2; pressure cannot be summed over the
     *     containers); {@link Pressure#NONE} on v1 and for a pod under jcri's shared parent
     */
    public record PodSample(
            SandboxRecord sandbox,
            long timestamp,
            CgroupUsage usage,
            long nanoCores,
            List<InterfaceCounters> interfaces,
            List<ContainerSample> containers,
            Pressure ioPressure) {}

    private record CpuPoint(long timestamp, long cpuNanos) {}

    private final Containers containers;
    private final PodSandboxes sandboxes;
    private final CgroupUsageReader cgroups;
    private final Map<String, CpuPoint> previous = new ConcurrentHashMap<>();

    public ResourceStats(Containers containers, PodSandboxes sandboxes, CgroupUsageReader cgroups) {
        this.containers = containers;
        this.sandboxes = sandboxes;
        this.cgroups = cgroups;
    }

    /** Containers that have a cgroup to measure: created and running ones (a created one shows ~zero usage). */
    public static boolean measurable(ContainerRecord record) {
        return record.state() == ContainerState.CREATED || record.state() == ContainerState.RUNNING;
    }

    public ContainerSample container(ContainerRecord record) {
        long now = EpochNanos.now();
        CgroupUsage usage = sandboxes
                .find(record.sandboxId())
                .map(sandbox -> cgroups.read(CgroupParent.containerCgroup(sandbox.cgroupParent(), record.id())))
                .orElse(CgroupUsage.NONE);
        Path writable = containers.writableLayer(record.id());
        return new ContainerSample(
                record,
                now,
                usage,
                rate(record.id(), now, usage.cpuNanos()),
                WritableLayerUsage.of(writable),
                writable);
    }

    /** Samples in parallel; the order of {@code records} is kept. */
    public List<ContainerSample> containers(List<ContainerRecord> records) throws InterruptedException {
        if (records.size() <= 1) {
            return records.stream().map(this::container).toList();
        }
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<ContainerSample>> futures = new ArrayList<>();
            for (ContainerRecord record : records) {
                futures.add(pool.submit(() -> container(record)));
            }
            List<ContainerSample> samples = new ArrayList<>();
            for (Future<ContainerSample> future : futures) {
                samples.add(future.get());
            }
            return samples;
        } catch (ExecutionException e) {
            throw new IllegalStateException("sampling a container failed: " + e.getCause(), e.getCause());
        }
    }

    public PodSample pod(SandboxRecord sandbox) throws InterruptedException {
        List<ContainerRecord> members = containers.list().stream()
                .filter(r -> r.sandboxId().equals(sandbox.id()) && measurable(r))
                .toList();
        List<ContainerSample> samples = containers(members);
        CgroupUsage total = CgroupUsage.NONE;
        long nanoCores = CgroupUsage.UNKNOWN;
        for (ContainerSample sample : samples) {
            total = total.plus(sample.usage());
            if (sample.nanoCores() != CgroupUsage.UNKNOWN) {
                nanoCores = nanoCores == CgroupUsage.UNKNOWN ? sample.nanoCores() : nanoCores + sample.nanoCores();
            }
        }
        // Only a parent kubelet gave is the pod's own: jcri's default parent holds every other pod too.
        Pressure io = sandbox.spec().cgroupParent().isEmpty()
                ? Pressure.NONE
                : cgroups.read(CgroupParent.podCgroup(sandbox.cgroupParent())).ioPressure();
        return new PodSample(sandbox, EpochNanos.now(), total, nanoCores, network(sandbox), samples, io);
    }

    /** Drops the rate history of containers no longer listed. */
    public void forgetAllBut(List<String> ids) {
        previous.keySet().retainAll(ids);
    }

    private long rate(String id, long now, long cpuNanos) {
        if (cpuNanos == CgroupUsage.UNKNOWN) {
            return CgroupUsage.UNKNOWN;
        }
        CpuPoint last = previous.put(id, new CpuPoint(now, cpuNanos));
        if (last == null || now <= last.timestamp() || cpuNanos < last.cpuNanos()) {
            return CgroupUsage.UNKNOWN;
        }
        return (long) ((cpuNanos - last.cpuNanos()) * 1e9 / (now - last.timestamp()));
    }

    /** A host-network pod's interfaces are the node's, which are not the pod's to report. */
    private static List<InterfaceCounters> network(SandboxRecord sandbox) {
        if (sandbox.netns().isEmpty() || !Files.exists(Path.of(sandbox.netns().get()))) {
            return List.of();
        }
        try {
            String dev = NetnsThread.call(Path.of(sandbox.netns().get()), () -> {
                try (InputStream in = Files.newInputStream(Path.of("/proc/thread-self/net/dev"))) {
                    return new String(in.readNBytes(256 * 1024), StandardCharsets.US_ASCII);
                }
            });
            return InterfaceCounters.parse(dev);
        } catch (IOException e) {
            log.debug("pod network counters unreadable sandbox={} error=\"{}\"", sandbox.id(), e.getMessage());
            return List.of();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return List.of();
        }
    }
}
