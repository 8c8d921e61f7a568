package dev.jcri.server.play;

import dev.jcri.cri.v1.LinuxContainerResources;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Quantity;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * kubelet's conversions of a container's resources to CRI Linux resources: CPU shares from the request, CFS quota
 * from the limit over a 100 ms period, the memory limit, and the OOM score adjustment of the pod's QoS class.
 */
final class LinuxResources {
    static final long CFS_PERIOD_US = 100_000;
    private static final long MIN_SHARES = 2;
    private static final long MAX_SHARES = 262_144;
    private static final long MIN_QUOTA_US = 1_000;
    static final int GUARANTEED_OOM_SCORE_ADJ = -997;
    static final int BEST_EFFORT_OOM_SCORE_ADJ = 1000;

    enum QosClass {
        GUARANTEED,
        BURSTABLE,
        BEST_EFFORT
    }

    private LinuxResources() {}

    static LinuxContainerResources container(Pod pod, Container container, long memoryCapacity) {
        Map<String, Quantity> requests = container.getResources().getRequests();
        Map<String, Quantity> limits = container.getResources().getLimits();
        return convert(milli(requests.get("cpu")), milli(limits.get("cpu")), bytes(limits.get("memory")))
                .setOomScoreAdj(oomScoreAdj(pod, container, memoryCapacity))
                .build();
    }

    /** The pod's requests and limits as kubelet sums them for RunPodSandbox (init containers count by their max). */
    static LinuxContainerResources sandbox(Pod pod) {
        return convert(podTotal(pod, "requests", "cpu", true), podTotal(pod, "limits", "cpu", true), memoryLimit(pod))
                .build();
    }

    private static Long memoryLimit(Pod pod) {
        return podTotal(pod, "limits", "memory", false);
    }

    /** Sum over app containers, at least the largest init container; null when no container names the resource. */
    private static Long podTotal(Pod pod, String kind, String resource, boolean cpu) {
        Long sum = null;
        for (Container c : pod.getSpec().getContainers()) {
            Long v = amount(c, kind, resource, cpu);
            if (v != null) {
                sum = (sum == null ? 0 : sum) + v;
            }
        }
        for (Container c : pod.getSpec().getInitContainers()) {
            Long v = amount(c, kind, resource, cpu);
            if (v != null && (sum == null || v > sum)) {
                sum = v;
            }
        }
        return sum;
    }

    private static Long amount(Container c, String kind, String resource, boolean cpu) {
        Map<String, Quantity> map = kind.equals("requests")
                ? c.getResources().getRequests()
                : c.getResources().getLimits();
        Quantity q = map.get(resource);
        return cpu ? milli(q) : bytes(q);
    }

    private static LinuxContainerResources.Builder convert(Long cpuRequestMilli, Long cpuLimitMilli, Long memoryLimit) {
        // A request defaults to the limit; no request at all gets the minimum shares.
        long requestMilli = cpuRequestMilli != null ? cpuRequestMilli : cpuLimitMilli != null ? cpuLimitMilli : 0;
        LinuxContainerResources.Builder r = LinuxContainerResources.newBuilder()
                .setCpuShares(shares(requestMilli))
                .setCpuPeriod(CFS_PERIOD_US)
                .setCpuQuota(quota(cpuLimitMilli == null ? 0 : cpuLimitMilli));
        if (memoryLimit != null && memoryLimit != 0) {
            r.setMemoryLimitInBytes(memoryLimit);
        }
        return r;
    }

    static long shares(long milliCpu) {
        if (milliCpu == 0) {
            return MIN_SHARES;
        }
        long shares = milliCpu * 1024 / 1000;
        return Math.min(MAX_SHARES, Math.max(MIN_SHARES, shares));
    }

    static long quota(long milliCpu) {
        if (milliCpu == 0) {
            return 0;
        }
        return Math.max(MIN_QUOTA_US, milliCpu * CFS_PERIOD_US / 1000);
    }

    static QosClass qosClass(Pod pod) {
        boolean any = false;
        boolean guaranteed = true;
        for (Container c : all(pod)) {
            Map<String, Quantity> requests = c.getResources().getRequests();
            Map<String, Quantity> limits = c.getResources().getLimits();
            for (String resource : List.of("cpu", "memory")) {
                Quantity request = requests.get(resource);
                Quantity limit = limits.get(resource);
                any |= nonZero(request) || nonZero(limit);
                if (limit == null || !nonZero(limit)) {
                    guaranteed = false;
                } else if (request == null || value(request).compareTo(value(limit)) != 0) {
                    guaranteed = false;
                }
            }
        }
        if (!any) {
            return QosClass.BEST_EFFORT;
        }
        return guaranteed ? QosClass.GUARANTEED : QosClass.BURSTABLE;
    }

    static int oomScoreAdj(Pod pod, Container container, long memoryCapacity) {
        switch (qosClass(pod)) {
            case GUARANTEED -> {
                return GUARANTEED_OOM_SCORE_ADJ;
            }
            case BEST_EFFORT -> {
                return BEST_EFFORT_OOM_SCORE_ADJ;
            }
            default -> {
                Long request = bytes(container.getResources().getRequests().get("memory"));
                long adj = 1000 - (1000 * (request == null ? 0 : request)) / memoryCapacity;
                // Burstable stays above Guaranteed and below BestEffort.
                if (adj < 1000 + GUARANTEED_OOM_SCORE_ADJ) {
                    return 1000 + GUARANTEED_OOM_SCORE_ADJ;
                }
                if (adj == BEST_EFFORT_OOM_SCORE_ADJ) {
                    return BEST_EFFORT_OOM_SCORE_ADJ - 1;
                }
                return (int) adj;
            }
        }
    }

    private static List<Container> all(Pod pod) {
        return Stream.concat(pod.getSpec().getInitContainers().stream(), pod.getSpec().getContainers().stream())
                .toList();
    }

    private static boolean nonZero(Quantity q) {
        return q != null && value(q).signum() != 0;
    }

    private static BigDecimal value(Quantity q) {
        return Quantity.getAmountInBytes(q);
    }

    /** Milli-units, rounded up as Kubernetes' MilliValue does. */
    static Long milli(Quantity q) {
        return q == null
                ? null
                : value(q).movePointRight(3).setScale(0, RoundingMode.CEILING).longValueExact();
    }

    static Long bytes(Quantity q) {
        return q == null ? null : value(q).setScale(0, RoundingMode.CEILING).longValueExact();
    }
}
