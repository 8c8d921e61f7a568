package dev.jcri.server.rpc;

import dev.jcri.sandbox.pod.QuotedText;

/**
 * Checks of single request fields that several RPCs share: object IDs and paths. Each failure is an
 * IllegalArgumentException (INVALID_ARGUMENT) whose message starts with the field's name, and quotes what was sent
 * escaped and cut short, so a hostile value can neither flood the answer nor forge a log line.
 */
public final class FieldCheck {
    /**
     * The longest ID accepted. jcri's own are 64 hex digits; other runtimes' (and critest's UUIDs) are shorter. The
     * bound only stops a hostile request from making jcri look up, log and quote a huge string.
     */
    public static final int MAX_ID = 256;

    private FieldCheck() {}

    /**
     * An ID or unique ID prefix of a pod or container: required, at most {@link #MAX_ID} characters, printable, no
     * {@code /}. An ID that does not look like one of jcri's is not refused: it names nothing here, so Stop and
     * Remove succeed and the other calls answer NOT_FOUND (kubelet and critest send such IDs). It is only ever looked
     * up in the in-memory tables, never turned into a path; the character rules are a second fence for logs and
     * answers. Empty is refused, as CRI-O and containerd do: it is a broken client, not an object that is gone.
     */
    public static String id(String field, String value) {
        String id = value.strip();
        if (id.isEmpty()) {
            throw new IllegalArgumentException(field + ": required");
        }
        if (id.length() > MAX_ID) {
            throw new IllegalArgumentException(
                    field + ": " + QuotedText.of(id) + " is longer than " + MAX_ID + " characters; no ID is that long");
        }
        if (!id.codePoints().allMatch(FieldCheck::printableIdCharacter)) {
            throw new IllegalArgumentException(
                    field + ": " + QuotedText.of(id) + " holds a control, formatting or '/' character; no ID does");
        }
        return id;
    }

    private static boolean printableIdCharacter(int c) {
        return c != '/'
                && switch (Character.getType(c)) {
                    case Character.CONTROL,
                            Character.FORMAT,
                            Character.SURROGATE,
                            Character.UNASSIGNED,
                            Character.PRIVATE_USE,
                            Character.LINE_SEPARATOR,
                            Character.PARAGRAPH_SEPARATOR -> false;
                    default -> true;
                };
    }

    /** A required string field. */
    public static String required(String field, String value) {
        if (value.isBlank()) {
            throw new IllegalArgumentException(field + ": required");
        }
        return value;
    }

    /**
     * An absolute host or container path as kubelet sends it: absolute, no NUL, no {@code ..} component (kubelet's
     * paths never climb; one that does is an escape attempt). Repeated slashes, {@code .} components and a trailing
     * slash are harmless and dropped, so the answer is the path in its one normal form.
     */
    public static String absolutePath(String field, String value) {
        if (!value.startsWith("/")) {
            throw new IllegalArgumentException(field + ": " + QuotedText.of(value) + " is not an absolute path");
        }
        return clean(field, value, "/");
    }

    /** A path relative to a directory kubelet gave (a container's log_path): no leading slash, no climbing. */
    public static String relativePath(String field, String value) {
        if (value.startsWith("/")) {
            throw new IllegalArgumentException(
                    field + ": " + QuotedText.of(value) + " must be relative to the pod's log directory");
        }
        String cleaned = clean(field, value, "");
        if (cleaned.isEmpty()) {
            throw new IllegalArgumentException(field + ": " + QuotedText.of(value) + " names no file");
        }
        return cleaned;
    }

    private static String clean(String field, String value, String root) {
        if (value.indexOf('\0') >= 0) {
            throw new IllegalArgumentException(field + ": " + QuotedText.of(value) + " holds a NUL character");
        }
        StringBuilder out = new StringBuilder();
        for (String component : value.split("/")) {
            if (component.isEmpty() || component.equals(".")) {
                continue;
            }
            if (component.equals("..")) {
                throw new IllegalArgumentException(field + ": " + QuotedText.of(value)
                        + " has a \"..\" component; paths may not climb out of where they point");
            }
            if (!out.isEmpty() || !root.isEmpty()) {
                out.append('/');
            }
            out.append(component);
        }
        return out.isEmpty() ? root : out.toString();
    }
}
