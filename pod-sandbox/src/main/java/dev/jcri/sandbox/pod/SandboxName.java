package dev.jcri.sandbox.pod;

/**
 * A sandbox's name in kubelet's scheme, {@code k8s_POD_<name>_<namespace>_<uid>_<attempt>} (as dockershim named
 * its pause containers and CRI-O names sandboxes), from CRI {@code PodSandboxMetadata}. Two sandboxes with the
 * same name are the same attempt at the same pod, so a runtime refuses the second.
 */
public final class SandboxName {
    private static final String PREFIX = "k8s_POD_";
    /** CRI's attempt is a uint32. */
    public static final long MAX_ATTEMPT = 0xFFFF_FFFFL;

    private SandboxName() {}

    /**
     * @param attempt CRI's uint32; convert a protobuf int with {@link Integer#toUnsignedLong(int)}
     * @throws IllegalArgumentException naming the field ({@code metadata.name}, {@code metadata.namespace},
     *     {@code metadata.uid}, {@code metadata.attempt}) that is missing or invalid
     */
    public static String of(String name, String namespace, String uid, long attempt) {
        checkPart("metadata.name", name);
        checkPart("metadata.namespace", namespace);
        checkPart("metadata.uid", uid);
        if (attempt < 0 || attempt > MAX_ATTEMPT) {
            throw new IllegalArgumentException("metadata.attempt: " + attempt + " is not a uint32");
        }
        return PREFIX + name + '_' + namespace + '_' + uid + '_' + attempt;
    }

    /**
     * Each part must be present, and free of '_' (the separator: name "a_b" in namespace "c" and name "a" in
     * namespace "b_c" would get the same sandbox name) and of whitespace and control characters.
     */
    private static void checkPart(String field, String value) {
        if (value == null || value.isEmpty()) {
            throw new IllegalArgumentException(field + ": required");
        }
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c == '_') {
                throw new IllegalArgumentException(field + ": " + QuotedText.of(value)
                        + " holds '_', which separates the parts of a sandbox name");
            }
            if (Character.isWhitespace(c) || Character.isISOControl(c)) {
                throw new IllegalArgumentException(
                        field + ": " + QuotedText.of(value) + " holds whitespace or a control character");
            }
        }
    }
}
