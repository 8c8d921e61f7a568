package dev.jcri.sandbox.container.spec;

import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * {@code linux.resources}: CPU, memory, hugetlb, pids, cgroup v2 files, and the device allow list. Values reach
 * cgroup files through the runtime, so anything that could name another file or inject a line is refused.
 */
final class CgroupResources {
    private static final Pattern PAGE_SIZE = Pattern.compile("[1-9][0-9]*[KMGTP]B");
    private static final Pattern CPU_LIST = Pattern.compile("[0-9,\\-]*");
    /** cgroup v2 interface files: {@code memory.high}, {@code cpu.weight}, {@code io.bfq.weight}. */
    private static final Pattern UNIFIED_KEY = Pattern.compile("[a-z][a-z0-9_]*(\\.[a-z0-9_]+)+");

    /** A CRI device granted to the container, with its cgroup access. */
    record GrantedDevice(HostDevice device, String access) {}

    /**
     * The character devices every container may use, as runc and crun allow them by default; the runtime creates
     * the nodes. {@code m} on all devices lets a container with CAP_MKNOD make nodes it still cannot open.
     */
    private static final List<Rule> STANDARD = List.of(
            new Rule("c", -1, -1, "m"),
            new Rule("b", -1, -1, "m"),
            new Rule("c", 1, 3, "rwm"), // null
            new Rule("c", 1, 5, "rwm"), // zero
            new Rule("c", 1, 7, "rwm"), // full
            new Rule("c", 1, 8, "rwm"), // random
            new Rule("c", 1, 9, "rwm"), // urandom
            new Rule("c", 5, 0, "rwm"), // tty
            new Rule("c", 5, 2, "rwm"), // ptmx
            new Rule("c", 136, -1, "rwm")); // pts

    private record Rule(String type, int major, int minor, String access) {}

    private CgroupResources() {}

    static ObjectNode of(ContainerSpec.Resources resources, List<GrantedDevice> devices, boolean privileged) {
        ObjectNode node = JsonNodeFactory.instance.objectNode();
        ArrayNode deviceRules = node.putArray("devices");
        if (privileged) {
            ObjectNode all = deviceRules.addObject();
            all.put("allow", true);
            all.put("access", "rwm");
        } else {
            ObjectNode deny = deviceRules.addObject();
            deny.put("allow", false);
            deny.put("access", "rwm");
            for (Rule rule : STANDARD) {
                addRule(deviceRules, rule.type(), rule.major(), rule.minor(), rule.access());
            }
            for (GrantedDevice granted : devices) {
                HostDevice device = granted.device();
                addRule(deviceRules, device.type(), device.major(), device.minor(), granted.access());
            }
        }

        ObjectNode cpu = JsonNodeFactory.instance.objectNode();
        if (resources.cpuShares() > 0) {
            cpu.put("shares", resources.cpuShares());
        }
        if (resources.cpuQuota() != 0) {
            cpu.put("quota", resources.cpuQuota());
        }
        if (resources.cpuPeriod() > 0) {
            cpu.put("period", resources.cpuPeriod());
        }
        if (!resources.cpusetCpus().isEmpty()) {
            cpu.put("cpus", cpuList(resources.cpusetCpus(), "cpuset_cpus"));
        }
        if (!resources.cpusetMems().isEmpty()) {
            cpu.put("mems", cpuList(resources.cpusetMems(), "cpuset_mems"));
        }
        if (!cpu.isEmpty()) {
            node.set("cpu", cpu);
        }

        ObjectNode memory = JsonNodeFactory.instance.objectNode();
        if (resources.memoryLimitBytes() > 0) {
            memory.put("limit", resources.memoryLimitBytes());
        }
        if (resources.memorySwapLimitBytes() != 0) {
            memory.put("swap", resources.memorySwapLimitBytes());
        } else if (resources.memoryLimitBytes() > 0) {
            // Memory+swap equal to the limit: no swapping past it, as containerd does. Runtimes skip the write
            // when the kernel has no swap accounting.
            memory.put("swap", resources.memoryLimitBytes());
        }
        if (!memory.isEmpty()) {
            node.set("memory", memory);
        }

        if (!resources.hugepageLimits().isEmpty()) {
            ArrayNode hugepages = node.putArray("hugepageLimits");
            for (int i = 0; i < resources.hugepageLimits().size(); i++) {
                ContainerSpec.HugepageLimit limit = resources.hugepageLimits().get(i);
                if (!PAGE_SIZE.matcher(limit.pageSize()).matches()) {
                    throw new IllegalArgumentException("hugepage_limits[" + i + "].page_size: \"" + limit.pageSize()
                            + "\" is not a size such as 2MB or 1GB");
                }
                ObjectNode entry = hugepages.addObject();
                entry.put("pageSize", limit.pageSize());
                entry.put("limit", limit.limit());
            }
        }

        if (resources.pidsLimit() > 0) {
            node.putObject("pids").put("limit", resources.pidsLimit());
        }

        if (!resources.unified().isEmpty()) {
            ObjectNode unified = node.putObject("unified");
            resources.unified().entrySet().stream()
                    .sorted(Map.Entry.comparingByKey())
                    .forEach(entry -> {
                        if (!UNIFIED_KEY.matcher(entry.getKey()).matches()) {
                            throw new IllegalArgumentException(
                                    "unified: \"" + entry.getKey() + "\" is not a cgroup v2 interface file name");
                        }
                        if (entry.getValue().chars().anyMatch(c -> c < 0x20 && c != '\t')) {
                            throw new IllegalArgumentException(
                                    "unified: the value of " + entry.getKey() + " holds a control character");
                        }
                        unified.put(entry.getKey(), entry.getValue());
                    });
        }
        return node;
    }

    private static void addRule(ArrayNode rules, String type, int major, int minor, String access) {
        ObjectNode rule = rules.addObject();
        rule.put("allow", true);
        rule.put("type", type);
        // Absent major or minor means "any" (the * of devices.allow).
        if (major >= 0) {
            rule.put("major", major);
        }
        if (minor >= 0) {
            rule.put("minor", minor);
        }
        rule.put("access", access);
    }

    private static String cpuList(String value, String field) {
        if (!CPU_LIST.matcher(value).matches()) {
            throw new IllegalArgumentException(field + ": \"" + value + "\" is not a list such as 0-3,7");
        }
        return value;
    }
}
