package dev.jcri.sandbox.pod;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The content of a pod's {@code /etc/hosts}. Kubelet normally mounts its own (with host aliases) into each
 * container; this one is for the containers it does not, so that {@code localhost} and the pod's own name
 * resolve. A pod on the host's network sees the host's file instead, as with kubelet.
 */
public final class HostsFile {
    /**
     * The loopback names and the usual IPv6 names, with the multicast groups of RFC 4291 (Debian's and Docker's
     * lines; kubelet's own file puts the last three at fe00::0, fe00::1 and fe00::2, which are not those groups).
     */
    static final String LOCALHOST_LINES = """
            127.0.0.1\tlocalhost
            ::1\tlocalhost ip6-localhost ip6-loopback
            fe00::0\tip6-localnet
            ff00::0\tip6-mcastprefix
            ff02::1\tip6-allnodes
            ff02::2\tip6-allrouters
            """;

    static final String HEADER = "# jcri-managed hosts file.\n";

    private HostsFile() {}

    /**
     * The localhost lines, then {@code <ip>\t<hostname>} for each pod IP (none while the IPs are not known).
     *
     * @throws IllegalArgumentException naming {@code hostname} or the pod IP that is invalid
     */
    public static String forPod(String hostname, List<String> podIps) {
        Hostname.validate(hostname);
        StringBuilder text = new StringBuilder(HEADER).append(LOCALHOST_LINES);
        Set<String> seen = new LinkedHashSet<>();
        for (String ip : podIps) {
            if (!IpLiteral.isValid(ip)) {
                throw new IllegalArgumentException("pod IP " + QuotedText.of(ip) + " is not an IPv4 or IPv6 address");
            }
            if (seen.add(ip)) {
                text.append(ip).append('\t').append(hostname).append('\n');
            }
        }
        return text.toString();
    }

    /**
     * A copy of the host's file, for host-network pods; a host without one gets the localhost lines, so that
     * {@code localhost} still resolves.
     */
    public static String fromHost(Path hostEtcHosts) throws IOException {
        try {
            // Not Files.readString: a stray non-UTF-8 byte in a comment must not stop a pod.
            return new String(Files.readAllBytes(hostEtcHosts), StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            return HEADER + LOCALHOST_LINES;
        }
    }
}
