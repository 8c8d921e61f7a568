package dev.jcri.sandbox.container.spec;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * A container's capability sets: CRI-O's default set, then {@code add}, then {@code drop}, {@code ALL} allowed in
 * both; privileged containers get every capability. Never more than jcri itself holds: a runtime cannot grant a
 * capability its parent lacks, and a clear error here beats crun's bare EPERM.
 *
 * @param sets bounding, effective and permitted (identical)
 * @param ambient {@code add_ambient_capabilities}; these must be inheritable too, or the kernel refuses them
 */
record Capabilities(List<String> sets, List<String> ambient) {

    /** Capability numbers 0..40 (CAP_CHECKPOINT_RESTORE, Linux 5.9), in kernel order. */
    static final List<String> KNOWN = List.of(
            "CAP_CHOWN",
            "CAP_DAC_OVERRIDE",
            "CAP_DAC_READ_SEARCH",
            "CAP_FOWNER",
            "CAP_FSETID",
            "CAP_KILL",
            "CAP_SETGID",
            "CAP_SETUID",
            "CAP_SETPCAP",
            "CAP_LINUX_IMMUTABLE",
            "CAP_NET_BIND_SERVICE",
            "CAP_NET_BROADCAST",
            "CAP_NET_ADMIN",
            "CAP_NET_RAW",
            "CAP_IPC_LOCK",
            "CAP_IPC_OWNER",
            "CAP_SYS_MODULE",
            "CAP_SYS_RAWIO",
            "CAP_SYS_CHROOT",
            "CAP_SYS_PTRACE",
            "CAP_SYS_PACCT",
            "CAP_SYS_ADMIN",
            "CAP_SYS_BOOT",
            "CAP_SYS_NICE",
            "CAP_SYS_RESOURCE",
            "CAP_SYS_TIME",
            "CAP_SYS_TTY_CONFIG",
            "CAP_MKNOD",
            "CAP_LEASE",
            "CAP_AUDIT_WRITE",
            "CAP_AUDIT_CONTROL",
            "CAP_SETFCAP",
            "CAP_MAC_OVERRIDE",
            "CAP_MAC_ADMIN",
            "CAP_SYSLOG",
            "CAP_WAKE_ALARM",
            "CAP_BLOCK_SUSPEND",
            "CAP_AUDIT_READ",
            "CAP_PERFMON",
            "CAP_BPF",
            "CAP_CHECKPOINT_RESTORE");

    /** CRI-O's default: no NET_RAW, MKNOD, SYS_CHROOT, AUDIT_WRITE or SETFCAP, unlike Docker's. */
    static final List<String> DEFAULT = List.of(
            "CAP_CHOWN",
            "CAP_DAC_OVERRIDE",
            "CAP_FSETID",
            "CAP_FOWNER",
            "CAP_SETGID",
            "CAP_SETUID",
            "CAP_SETPCAP",
            "CAP_NET_BIND_SERVICE",
            "CAP_KILL");

    Capabilities {
        sets = List.copyOf(sets);
        ambient = List.copyOf(ambient);
    }

    /**
     * @param grantable what jcri's own process may pass on (see {@link #ofThisProcess})
     */
    static Capabilities of(ContainerSpec.Security security, Set<String> grantable) {
        if (security.privileged()) {
            return new Capabilities(
                    KNOWN.stream().filter(grantable::contains).toList(),
                    names(security.capabilitiesAddAmbient(), "add_ambient_capabilities", grantable));
        }
        Set<String> caps =
                new LinkedHashSet<>(DEFAULT.stream().filter(grantable::contains).toList());
        // ALL first, so that "add ALL, drop CHOWN" and "drop ALL, add NET_BIND_SERVICE" mean what they say.
        if (hasAll(security.capabilitiesAdd())) {
            KNOWN.stream().filter(grantable::contains).forEach(caps::add);
        }
        if (hasAll(security.capabilitiesDrop())) {
            caps.clear();
        }
        caps.addAll(names(security.capabilitiesAdd(), "add_capabilities", grantable));
        names(security.capabilitiesDrop(), "drop_capabilities", KNOWN).forEach(caps::remove);
        List<String> ambient = names(security.capabilitiesAddAmbient(), "add_ambient_capabilities", grantable);
        // An ambient capability also has to be permitted and in the bounding set.
        caps.addAll(ambient);
        return new Capabilities(List.copyOf(caps), ambient);
    }

    /** This process's permitted set, which is what crun (its grandchild) can keep. */
    static Set<String> ofThisProcess() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("CapPrm:")) {
                    return fromMask(Long.parseUnsignedLong(line.substring(7).strip(), 16));
                }
            }
        } catch (IOException | NumberFormatException e) {
            throw new IllegalStateException("cannot read this process's capabilities from /proc/self/status", e);
        }
        throw new IllegalStateException("/proc/self/status has no CapPrm line");
    }

    static Set<String> fromMask(long mask) {
        Set<String> names = new LinkedHashSet<>();
        for (int bit = 0; bit < KNOWN.size(); bit++) {
            if ((mask & (1L << bit)) != 0) {
                names.add(KNOWN.get(bit));
            }
        }
        return Set.copyOf(names);
    }

    private static boolean hasAll(List<String> names) {
        return names.stream().anyMatch(name -> name.equalsIgnoreCase("ALL"));
    }

    /** Normalizes CRI names ({@code NET_ADMIN}, {@code cap_net_admin}) to OCI ones, skipping {@code ALL}. */
    private static List<String> names(List<String> requested, String field, Collection<String> allowed) {
        List<String> out = new ArrayList<>();
        for (String raw : requested) {
            if (raw.equalsIgnoreCase("ALL")) {
                if (field.equals("add_ambient_capabilities")) {
                    throw new IllegalArgumentException(field + ": ALL is not allowed, name each capability");
                }
                continue;
            }
            String upper = raw.strip().toUpperCase(Locale.ROOT);
            String name = upper.startsWith("CAP_") ? upper : "CAP_" + upper;
            if (!KNOWN.contains(name)) {
                throw new IllegalArgumentException(field + ": unknown capability \"" + raw + "\"");
            }
            if (!allowed.contains(name)) {
                throw new IllegalArgumentException(
                        field + ": " + name + " cannot be granted, jcri itself does not hold it on this node");
            }
            if (!out.contains(name)) {
                out.add(name);
            }
        }
        return out;
    }
}
