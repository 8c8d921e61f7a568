package dev.jcri.sandbox.pod;

/**
 * The pod's hostname: what its UTS namespace is set to and what {@code /etc/hostname} and {@code /etc/hosts}
 * say.
 *
 * <p>Kubelet sends {@code PodSandboxConfig.hostname} for every pod with its own network namespace: the pod's
 * {@code spec.hostname}, else its name, cut to 63 characters (or the FQDN with setHostnameAsFQDN). For a pod on
 * the host's network it sends an empty hostname, and the pod sees the node's. Other CRI clients (crictl) may leave
 * it empty for any pod; jcri then does what kubelet would have done and uses the pod name.
 */
public final class Hostname {
    /** The kernel's limit on a UTS hostname (__NEW_UTS_LEN). */
    public static final int MAX_LENGTH = 64;
    /** Kubelet's cut for a hostname defaulted from the pod name: one DNS label. */
    static final int MAX_DEFAULT_LENGTH = 63;

    private Hostname() {}

    /**
     * The hostname of a pod with its own UTS namespace: {@code criHostname}, or when it is empty the pod name
     * cut as kubelet cuts it.
     *
     * @throws IllegalArgumentException naming {@code hostname} when the result is not a valid hostname
     */
    public static String forPod(String criHostname, String podName) {
        if (!criHostname.isEmpty()) {
            return validate(criHostname);
        }
        String name = podName.length() > MAX_DEFAULT_LENGTH ? podName.substring(0, MAX_DEFAULT_LENGTH) : podName;
        // Kubelet trims what the cut may leave dangling, which no hostname may end with.
        int end = name.length();
        while (end > 0 && (name.charAt(end - 1) == '-' || name.charAt(end - 1) == '.')) {
            end--;
        }
        return validate(name.substring(0, end));
    }

    /** The hostname of a pod on the host's network: {@code criHostname}, or the node's when it is empty. */
    public static String forHostNetworkPod(String criHostname, String nodeHostname) {
        return validate(criHostname.isEmpty() ? nodeHostname : criHostname);
    }

    /**
     * Checks that {@code hostname} is one or more RFC 1123 labels (letters, digits and '-', not starting or ending
     * with '-', 1-63 characters each) separated by dots, at most 64 characters in all.
     *
     * @return {@code hostname}
     * @throws IllegalArgumentException naming {@code hostname} and why
     */
    public static String validate(String hostname) {
        if (hostname.isEmpty()) {
            throw new IllegalArgumentException("hostname: must not be empty");
        }
        if (hostname.length() > MAX_LENGTH) {
            throw new IllegalArgumentException("hostname: " + QuotedText.of(hostname) + " is longer than " + MAX_LENGTH
                    + " characters, the kernel's limit");
        }
        for (String label : hostname.split("\\.", -1)) {
            if (label.isEmpty() || label.length() > 63) {
                throw new IllegalArgumentException("hostname: " + QuotedText.of(hostname)
                        + " has an empty label or one longer than 63 characters");
            }
            if (label.startsWith("-") || label.endsWith("-")) {
                throw new IllegalArgumentException(
                        "hostname: " + QuotedText.of(hostname) + " has a label that starts or ends with '-'");
            }
            for (int i = 0; i < label.length(); i++) {
                char c = label.charAt(i);
                if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-')) {
                    throw new IllegalArgumentException(
                            "hostname: " + QuotedText.of(hostname) + " may hold only letters, digits, '-' and '.'");
                }
            }
        }
        return hostname;
    }
}
