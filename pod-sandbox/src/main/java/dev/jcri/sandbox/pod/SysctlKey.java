package dev.jcri.sandbox.pod;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * A sysctl name split into the components of its path under {@code /proc/sys}.
 *
 * <p>Names follow sysctl.d(5), as kubelet does: the first separator decides. In {@code net.ipv4.ip_forward}
 * components are separated by '.' and a '/' stands for a literal dot ({@code net.ipv4.conf.eth0/100.forwarding});
 * in {@code net/ipv4/conf/eth0.100/forwarding} it is the other way round. Kubelet sends the dotted form, with
 * '/' inside components, since it converts slash names before calling the runtime.
 *
 * @param components the path components, literal dots included
 */
record SysctlKey(List<String> components) {
    /** Kubernetes' limit on a sysctl name. */
    static final int MAX_LENGTH = 253;

    /** The IPC namespace's sysctls outside {@code fs.mqueue}; the rest of {@code kernel.*} is the host's. */
    private static final Set<String> IPC_KERNEL =
            Set.of("shm_rmid_forced", "shmmax", "shmall", "shmmni", "msgmax", "msgmnb", "msgmni", "sem");

    /** Checks every component, so no SysctlKey, however built, can point outside /proc/sys. */
    SysctlKey {
        components = List.copyOf(components);
        if (components.isEmpty()) {
            throw new IllegalArgumentException("the sysctl name is empty");
        }
        components.forEach(SysctlKey::checkComponent);
    }

    /**
     * Parses a name in either form.
     *
     * @throws IllegalArgumentException saying why the name is unsafe or malformed (without naming the field)
     */
    static SysctlKey parse(String name) {
        if (name.isEmpty()) {
            throw new IllegalArgumentException("the sysctl name is empty");
        }
        if (name.length() > MAX_LENGTH) {
            throw new IllegalArgumentException("the sysctl name is longer than " + MAX_LENGTH + " characters");
        }
        int first = indexOfSeparator(name);
        char separator = first >= 0 && name.charAt(first) == '/' ? '/' : '.';
        char literalDot = separator == '/' ? '.' : '/';
        List<String> components = new ArrayList<>();
        for (String raw : name.split(separator == '.' ? "\\." : "/", -1)) {
            components.add(raw.replace(literalDot, '.'));
        }
        return new SysctlKey(components);
    }

    private static int indexOfSeparator(String name) {
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (c == '.' || c == '/') {
                return i;
            }
        }
        return -1;
    }

    private static void checkComponent(String component) {
        if (component.isEmpty()) {
            throw new IllegalArgumentException("the sysctl name has an empty component");
        }
        // "." and ".." would move the path, not name a file; no real sysctl has ".." anywhere in a component.
        if (component.equals(".") || component.contains("..")) {
            throw new IllegalArgumentException("the sysctl name has the component " + QuotedText.of(component)
                    + ", which could leave its directory");
        }
        for (int i = 0; i < component.length(); i++) {
            char c = component.charAt(i);
            boolean safe = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-' || c == '.';
            if (!safe) {
                throw new IllegalArgumentException("the sysctl name may hold only lowercase letters, digits, '_',"
                        + " '-' and separators, not " + QuotedText.of(String.valueOf(c)));
            }
        }
    }

    /** The namespace that owns this sysctl, or empty when it is the host's (not namespaced). */
    Optional<Sysctl.Namespace> namespace() {
        String top = components.getFirst();
        if (top.equals("net") && components.size() >= 2) {
            return Optional.of(Sysctl.Namespace.NET);
        }
        if (top.equals("kernel") && components.size() == 2 && IPC_KERNEL.contains(components.get(1))) {
            return Optional.of(Sysctl.Namespace.IPC);
        }
        if (top.equals("fs") && components.size() >= 3 && components.get(1).equals("mqueue")) {
            return Optional.of(Sysctl.Namespace.IPC);
        }
        return Optional.empty();
    }

    /** Kubelet's normal form: '.' between components, '/' for a dot inside one. */
    String dotted() {
        List<String> escaped = new ArrayList<>(components.size());
        for (String component : components) {
            escaped.add(component.replace('.', '/'));
        }
        return String.join(".", escaped);
    }

    /** The file to write; checked to stay under /proc/sys even though the components were already checked. */
    Path procPath() {
        Path root = Path.of("/proc/sys");
        Path path = root;
        for (String component : components) {
            path = path.resolve(component);
        }
        Path normal = path.normalize();
        if (!normal.startsWith(root) || normal.equals(root)) {
            throw new IllegalStateException("sysctl path " + normal + " is outside /proc/sys");
        }
        return normal;
    }
}
