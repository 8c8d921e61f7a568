package dev.jcri.server.rpc.stats;

import dev.jcri.cri.v1.ContainerAttributes;
import dev.jcri.cri.v1.ContainerStats;
import dev.jcri.cri.v1.CpuUsage;
import dev.jcri.cri.v1.FilesystemIdentifier;
import dev.jcri.cri.v1.FilesystemUsage;
import dev.jcri.cri.v1.IoUsage;
import dev.jcri.cri.v1.LinuxPodSandboxStats;
import dev.jcri.cri.v1.MemoryUsage;
import dev.jcri.cri.v1.NetworkInterfaceUsage;
import dev.jcri.cri.v1.NetworkUsage;
import dev.jcri.cri.v1.PodSandboxAttributes;
import dev.jcri.cri.v1.PodSandboxStats;
import dev.jcri.cri.v1.ProcessUsage;
import dev.jcri.cri.v1.PsiData;
import dev.jcri.cri.v1.PsiStats;
import dev.jcri.cri.v1.UInt64Value;
import dev.jcri.sandbox.container.ContainerRecord;
import dev.jcri.sandbox.pod.SandboxRecord;
import dev.jcri.sandbox.stats.CgroupUsage;
import dev.jcri.sandbox.stats.InterfaceCounters;
import dev.jcri.sandbox.stats.Pressure;
import dev.jcri.sandbox.stats.ResourceStats;
import dev.jcri.server.rpc.container.CriContainers;
import dev.jcri.server.rpc.pod.CriPods;
import java.util.List;

/**
 * Samples into CRI stats messages. A value the host could not give is left out (the CRI's wrapped values say
 * "unknown" by absence), never sent as zero.
 */
final class CriStats {
    private CriStats() {}

    static ContainerStats container(ResourceStats.ContainerSample sample) {
        ContainerRecord record = sample.container();
        CgroupUsage usage = sample.usage();
        long now = sample.timestamp();
        ContainerStats.Builder stats = ContainerStats.newBuilder()
                .setAttributes(ContainerAttributes.newBuilder()
                        .setId(record.id())
                        .setMetadata(CriContainers.metadata(record))
                        .putAllLabels(record.spec().labels())
                        .putAllAnnotations(record.spec().annotations()))
                .setCpu(cpu(now, usage, sample.nanoCores()))
                .setMemory(memory(now, usage))
                .setWritableLayer(FilesystemUsage.newBuilder()
                        .setTimestamp(now)
                        .setFsId(FilesystemIdentifier.newBuilder()
                                .setMountpoint(sample.writableLayerPath().toString()))
                        .setUsedBytes(value(sample.writableLayer().bytes()))
                        .setInodesUsed(value(sample.writableLayer().inodes())));
        if (usage.ioPressure().known()) {
            stats.setIo(io(now, usage.ioPressure()));
        }
        return stats.build();
    }

    static PodSandboxStats pod(ResourceStats.PodSample sample) {
        SandboxRecord record = sample.sandbox();
        long now = sample.timestamp();
        LinuxPodSandboxStats.Builder linux = LinuxPodSandboxStats.newBuilder()
                .setCpu(cpu(now, sample.usage(), sample.nanoCores()))
                .setMemory(memory(now, sample.usage()))
                .setNetwork(network(now, sample.interfaces()))
                .addAllContainers(
                        sample.containers().stream().map(CriStats::container).toList());
        if (sample.ioPressure().known()) {
            linux.setIo(io(now, sample.ioPressure()));
        }
        if (sample.usage().processes() != CgroupUsage.UNKNOWN) {
            linux.setProcess(ProcessUsage.newBuilder()
                    .setTimestamp(now)
                    .setProcessCount(value(sample.usage().processes())));
        }
        return PodSandboxStats.newBuilder()
                .setAttributes(PodSandboxAttributes.newBuilder()
                        .setId(record.id())
                        .setMetadata(CriPods.metadata(record))
                        .putAllLabels(record.spec().labels())
                        .putAllAnnotations(record.spec().annotations()))
                .setLinux(linux)
                .build();
    }

    private static CpuUsage cpu(long now, CgroupUsage usage, long nanoCores) {
        CpuUsage.Builder cpu = CpuUsage.newBuilder().setTimestamp(now);
        set(usage.cpuNanos(), v -> cpu.setUsageCoreNanoSeconds(value(v)));
        set(nanoCores, v -> cpu.setUsageNanoCores(value(v)));
        if (usage.cpuPressure().known()) {
            cpu.setPsi(psi(usage.cpuPressure()));
        }
        return cpu.build();
    }

    private static MemoryUsage memory(long now, CgroupUsage usage) {
        MemoryUsage.Builder memory = MemoryUsage.newBuilder().setTimestamp(now);
        set(usage.workingSet(), v -> memory.setWorkingSetBytes(value(v)));
        set(usage.memoryUsage(), v -> memory.setUsageBytes(value(v)));
        set(usage.rss(), v -> memory.setRssBytes(value(v)));
        set(usage.pageFaults(), v -> memory.setPageFaults(value(v)));
        set(usage.majorPageFaults(), v -> memory.setMajorPageFaults(value(v)));
        if (usage.memoryLimit() != CgroupUsage.UNKNOWN && usage.workingSet() != CgroupUsage.UNKNOWN) {
            memory.setAvailableBytes(value(Math.max(0, usage.memoryLimit() - usage.workingSet())));
        }
        if (usage.memoryPressure().known()) {
            memory.setPsi(psi(usage.memoryPressure()));
        }
        return memory.build();
    }

    /**
     * The CRI's IoUsage holds IO pressure alone, which only cgroup v2 measures (io.pressure): on v1 the message is
     * left out rather than sent empty.
     */
    private static IoUsage io(long now, Pressure pressure) {
        return IoUsage.newBuilder().setTimestamp(now).setPsi(psi(pressure)).build();
    }

    /** The CRI's PSI totals are in microseconds, as the kernel reports them. */
    private static PsiStats psi(Pressure pressure) {
        PsiStats.Builder psi = PsiStats.newBuilder();
        pressure.some().ifPresent(s -> psi.setSome(psiData(s)));
        pressure.full().ifPresent(f -> psi.setFull(psiData(f)));
        return psi.build();
    }

    private static PsiData psiData(Pressure.Stall stall) {
        return PsiData.newBuilder()
                .setTotal(stall.totalMicros())
                .setAvg10(stall.avg10())
                .setAvg60(stall.avg60())
                .setAvg300(stall.avg300())
                .build();
    }

    /** eth0 is the pod's default interface, as CNI plugins name it. */
    private static NetworkUsage network(long now, List<InterfaceCounters> interfaces) {
        NetworkUsage.Builder network = NetworkUsage.newBuilder().setTimestamp(now);
        for (InterfaceCounters counters : interfaces) {
            NetworkInterfaceUsage usage = NetworkInterfaceUsage.newBuilder()
                    .setName(counters.name())
                    .setRxBytes(value(counters.rxBytes()))
                    .setRxErrors(value(counters.rxErrors()))
                    .setTxBytes(value(counters.txBytes()))
                    .setTxErrors(value(counters.txErrors()))
                    .build();
            network.addInterfaces(usage);
            if (counters.name().equals("eth0")) {
                network.setDefaultInterface(usage);
            }
        }
        return network.build();
    }

    private interface LongSetter {
        void set(long value);
    }

    private static void set(long value, LongSetter setter) {
        if (value != CgroupUsage.UNKNOWN) {
            setter.set(value);
        }
    }

    private static UInt64Value value(long value) {
        return UInt64Value.newBuilder().setValue(value).build();
    }
}
