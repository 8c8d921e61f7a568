package dev.jcri.sandbox.pod;

/**
 * Recognizes IP address literals strictly, without ever resolving a name (as {@code InetAddress.getByName}
 * would) and without the legacy forms {@code InetAddress.ofLiteral} and inet_aton accept ({@code 127.1},
 * {@code 0x7f.0.0.1}, octal {@code 010.0.0.1}), which resolvers and tools read differently. Zone IDs
 * ({@code fe80::1%eth0}) and brackets are refused: neither means anything in a pod's own network namespace.
 */
public final class IpLiteral {
    private IpLiteral() {}

    /** An IPv4 or IPv6 literal. */
    public static boolean isValid(String text) {
        return isIpv4(text) || isIpv6(text);
    }

    /** Four decimal octets, 0-255, without leading zeros. */
    public static boolean isIpv4(String text) {
        if (text.length() > 15) {
            return false;
        }
        String[] octets = text.split("\\.", -1);
        if (octets.length != 4) {
            return false;
        }
        for (String octet : octets) {
            if (!isOctet(octet)) {
                return false;
            }
        }
        return true;
    }

    private static boolean isOctet(String octet) {
        if (octet.isEmpty() || octet.length() > 3 || (octet.length() > 1 && octet.charAt(0) == '0')) {
            return false;
        }
        for (int i = 0; i < octet.length(); i++) {
            char c = octet.charAt(i);
            if (c < '0' || c > '9') {
                return false;
            }
        }
        return Integer.parseInt(octet) <= 255;
    }

    /** RFC 4291 text form: eight groups of 1-4 hex digits, one "::" at most, an IPv4 tail allowed. */
    public static boolean isIpv6(String text) {
        if (text.length() < 2 || text.length() > 45) {
            return false;
        }
        int gap = text.indexOf("::");
        if (gap < 0) {
            return groups(text, true) == 8;
        }
        String head = text.substring(0, gap);
        String tail = text.substring(gap + 2);
        int headGroups = head.isEmpty() ? 0 : groups(head, false);
        int tailGroups = tail.isEmpty() ? 0 : groups(tail, true);
        // "::" stands for one group at least, so at most seven may be written around it.
        return headGroups >= 0 && tailGroups >= 0 && headGroups + tailGroups <= 7;
    }

    /** How many 16-bit groups a colon-separated run holds, or -1 if it is malformed. */
    private static int groups(String run, boolean mayEndInIpv4) {
        String[] parts = run.split(":", -1);
        int count = 0;
        for (int i = 0; i < parts.length; i++) {
            String part = parts[i];
            if (mayEndInIpv4 && i == parts.length - 1 && part.indexOf('.') >= 0) {
                if (!isIpv4(part)) {
                    return -1;
                }
                count += 2;
            } else if (isHexGroup(part)) {
                count++;
            } else {
                return -1;
            }
        }
        return count;
    }

    private static boolean isHexGroup(String part) {
        if (part.isEmpty() || part.length() > 4) {
            return false;
        }
        for (int i = 0; i < part.length(); i++) {
            char c = part.charAt(i);
            boolean hex = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
            if (!hex) {
                return false;
            }
        }
        return true;
    }
}
