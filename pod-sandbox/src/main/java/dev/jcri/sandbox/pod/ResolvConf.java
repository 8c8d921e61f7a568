package dev.jcri.sandbox.pod;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;

/**
 * The content of a pod's {@code /etc/resolv.conf}: written from the CRI {@code DNSConfig} ({@code nameserver}
 * lines, one {@code search} line, one {@code options} line, as kubelet and CRI-O write it), or, when the
 * DNSConfig is empty, a copy of the host's file.
 */
public final class ResolvConf {
    /** Kubelet's limits on the search list (MaxDNSSearchPaths, MaxDNSSearchListChars). */
    public static final int MAX_SEARCHES = 32;

    public static final int MAX_SEARCH_LIST_CHARS = 2048;
    public static final int MAX_DOMAIN_LENGTH = 253;

    private ResolvConf() {}

    /**
     * Builds the file from the CRI {@code DNSConfig}. glibc reads only the first three nameservers; kubelet already
     * trims to three, so more are written as given rather than refused.
     *
     * @throws IllegalArgumentException naming the field ({@code dns_config.servers[1]}, ...) and why
     */
    public static String render(List<String> servers, List<String> searches, List<String> options) {
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < servers.size(); i++) {
            String server = servers.get(i);
            if (!IpLiteral.isValid(server)) {
                throw new IllegalArgumentException(
                        "dns_config.servers[" + i + "]: " + QuotedText.of(server) + " is not an IPv4 or IPv6 address");
            }
            text.append("nameserver ").append(server).append('\n');
        }
        if (!searches.isEmpty()) {
            checkSearches(searches);
            text.append("search ").append(String.join(" ", searches)).append('\n');
        }
        for (int i = 0; i < options.size(); i++) {
            checkOption(i, options.get(i));
        }
        if (!options.isEmpty()) {
            text.append("options ").append(String.join(" ", options)).append('\n');
        }
        return text.toString();
    }

    /**
     * A copy of the host's file; a host without one gives an empty file (the resolver then asks localhost).
     * Pass the file kubelet reads ({@code --resolv-conf}), not a systemd-resolved stub whose 127.0.0.53 cannot be
     * reached from a pod's network namespace.
     */
    public static String fromHost(Path hostResolvConf) throws IOException {
        try {
            // Not Files.readString: a stray non-UTF-8 byte in a comment must not stop a pod.
            return new String(Files.readAllBytes(hostResolvConf), StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            return "";
        }
    }

    private static void checkSearches(List<String> searches) {
        if (searches.size() > MAX_SEARCHES) {
            throw new IllegalArgumentException("dns_config.searches: " + searches.size() + " search domains; at most "
                    + MAX_SEARCHES + " are allowed");
        }
        for (int i = 0; i < searches.size(); i++) {
            String problem = domainProblem(searches.get(i));
            if (problem != null) {
                throw new IllegalArgumentException(
                        "dns_config.searches[" + i + "]: " + QuotedText.of(searches.get(i)) + " " + problem);
            }
        }
        // Counted as kubelet counts it: the domains joined by single spaces, without "search ".
        int length = String.join(" ", searches).length();
        if (length > MAX_SEARCH_LIST_CHARS) {
            throw new IllegalArgumentException("dns_config.searches: the search list is " + length
                    + " characters long; at most " + MAX_SEARCH_LIST_CHARS + " are allowed");
        }
    }

    /** Why {@code domain} is not a DNS name, or null if it is one. One trailing dot is allowed, as kubelet does. */
    private static String domainProblem(String domain) {
        if (domain.isEmpty()) {
            return "is empty";
        }
        if (domain.length() > MAX_DOMAIN_LENGTH) {
            return "is longer than " + MAX_DOMAIN_LENGTH + " characters";
        }
        String name = domain.endsWith(".") ? domain.substring(0, domain.length() - 1) : domain;
        for (String label : name.split("\\.", -1)) {
            if (label.isEmpty() || label.length() > 63) {
                return "is not a DNS name: each label must be 1-63 characters";
            }
            for (int i = 0; i < label.length(); i++) {
                char c = label.charAt(i);
                // '_' is not in RFC 1123 but appears in real search domains (service records, AD domains).
                boolean allowed = (c >= 'a' && c <= 'z')
                        || (c >= 'A' && c <= 'Z')
                        || (c >= '0' && c <= '9')
                        || c == '-'
                        || c == '_';
                if (!allowed) {
                    return "is not a DNS name: labels may hold only letters, digits, '-' and '_'";
                }
            }
        }
        return null;
    }

    /** An option is one token of printable ASCII; whitespace would split it, a line end would start a new line. */
    private static void checkOption(int index, String option) {
        if (option.isEmpty()) {
            throw new IllegalArgumentException("dns_config.options[" + index + "]: is empty");
        }
        for (int i = 0; i < option.length(); i++) {
            char c = option.charAt(i);
            if (c <= ' ' || c >= 0x7f) {
                throw new IllegalArgumentException("dns_config.options[" + index + "]: " + QuotedText.of(option)
                        + " must be a single token of printable characters without whitespace");
            }
        }
    }
}
