package dev.jcri.sandbox.stats;

/**
 * What one cgroup used, as its files say at one moment. A value the host does not provide (a controller not
 * mounted, a cgroup already gone) is {@link #UNKNOWN}.
 *
 * @param workingSet usage minus inactive file pages, as kubelet and cAdvisor define it (what eviction looks at)
 * @param memoryLimit the limit in bytes, or {@link #UNKNOWN} when there is none
 * @param cpuPressure PSI of the cgroup (v2 only), likewise {@code memoryPressure} and {@code ioPressure}
 */
public record CgroupUsage(
        long cpuNanos,
        long memoryUsage,
        long workingSet,
        long rss,
        long pageFaults,
        long majorPageFaults,
        long memoryLimit,
        long processes,
        long oomKills,
        Pressure cpuPressure,
        Pressure memoryPressure,
        Pressure ioPressure) {
    public static final long UNKNOWN = -1;
    public static final CgroupUsage NONE =
            new CgroupUsage(UNKNOWN, UNKNOWN, UNKNOWN, UNKNOWN, UNKNOWN, UNKNOWN, UNKNOWN, UNKNOWN, UNKNOWN);

    /** Usage without pressure figures (cgroup v1). */
    public CgroupUsage(
            long cpuNanos,
            long memoryUsage,
            long workingSet,
            long rss,
            long pageFaults,
            long majorPageFaults,
            long memoryLimit,
            long processes,
            long oomKills) {
        this(
                cpuNanos,
                memoryUsage,
                workingSet,
                rss,
                pageFaults,
                majorPageFaults,
                memoryLimit,
                processes,
                oomKills,
                Pressure.NONE,
                Pressure.NONE,
                Pressure.NONE);
    }

    /** The sum of two cgroups' usage (a pod's containers); unknown only when unknown in both. */
    public CgroupUsage plus(CgroupUsage other) {
        return new CgroupUsage(
                add(cpuNanos, other.cpuNanos),
                add(memoryUsage, other.memoryUsage),
                add(workingSet, other.workingSet),
                add(rss, other.rss),
                add(pageFaults, other.pageFaults),
                add(majorPageFaults, other.majorPageFaults),
                UNKNOWN,
                add(processes, other.processes),
                add(oomKills, other.oomKills));
    }

    private static long add(long a, long b) {
        if (a == UNKNOWN) {
            return b;
        }
        return b == UNKNOWN ? a : a + b;
    }

    static long workingSet(long usage, long inactiveFile) {
        if (usage == UNKNOWN) {
            return UNKNOWN;
        }
        return inactiveFile == UNKNOWN || inactiveFile > usage ? usage : usage - inactiveFile;
    }
}
