package dev.jcri.sandbox.pod;

import java.nio.file.Path;
import java.util.Objects;

/**
 * One sysctl a pod may set, already checked by {@link SysctlPolicy}; the constructor repeats the safety checks so
 * that no Sysctl, however built, can name a file outside /proc/sys or carry a value that injects another setting.
 *
 * @param key the name in kubelet's dotted form ({@code net.ipv4.conf.eth0/100.forwarding}); a slash-separated
 *     name given to the constructor is converted
 * @param value the value to write
 * @param namespace the namespace the sysctl belongs to, so it is written from inside that namespace
 */
public record Sysctl(String key, String value, Namespace namespace) {
    /** The longest value accepted: one page, far more than any namespaced sysctl takes. */
    public static final int MAX_VALUE_LENGTH = 4096;

    public enum Namespace {
        NET,
        IPC
    }

    public Sysctl {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(value, "value");
        Objects.requireNonNull(namespace, "namespace");
        SysctlKey parsed = SysctlKey.parse(key);
        if (parsed.namespace().orElse(null) != namespace) {
            throw new IllegalArgumentException(
                    QuotedText.of(key) + " does not belong to the " + namespace + " namespace");
        }
        checkValue(value);
        key = parsed.dotted();
    }

    /** {@code /proc/sys/<components>}, with dots inside a component kept ({@code .../conf/eth0.100/forwarding}). */
    public Path procPath() {
        return SysctlKey.parse(key).procPath();
    }

    /**
     * Refuses a value that could carry a second setting or line. CVE-2022-0811 let a pod set any host sysctl
     * because a runtime joined {@code key=value} pairs with '+'; '=', '+', line ends and NUL are what such
     * formats split on, so only the characters real sysctl values use are allowed.
     *
     * @throws IllegalArgumentException saying why (without naming the field)
     */
    static void checkValue(String value) {
        if (value.isBlank()) {
            throw new IllegalArgumentException("the value is empty");
        }
        if (value.length() > MAX_VALUE_LENGTH) {
            throw new IllegalArgumentException("the value is longer than " + MAX_VALUE_LENGTH + " characters");
        }
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (!isValueCharacter(c)) {
                String shown = QuotedText.of(String.valueOf(c));
                throw new IllegalArgumentException(
                        switch (c) {
                            case '=', '+', '\n', '\r', '\0' ->
                                "the value holds " + shown + ", which could smuggle in another sysctl";
                            default ->
                                "the value holds " + shown + "; a sysctl value may hold only letters, digits,"
                                        + " spaces, tabs and . - : , / _";
                        });
            }
        }
    }

    private static boolean isValueCharacter(char c) {
        return (c >= 'a' && c <= 'z')
                || (c >= 'A' && c <= 'Z')
                || (c >= '0' && c <= '9')
                || c == ' '
                || c == '\t'
                || c == '.'
                || c == '-'
                || c == ':'
                || c == ','
                || c == '/'
                || c == '_';
    }
}
