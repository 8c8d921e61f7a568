package dev.jcri.sandbox.container.spec;

/**
 * The seccomp profile a container asked for (CRI {@code SecurityProfile}, or the older
 * {@code seccomp_profile_path}).
 *
 * @param localhostPath for {@link Kind#LOCALHOST}: the profile's absolute path on the node
 */
public record SeccompProfile(Kind kind, String localhostPath) {
    public static final SeccompProfile UNCONFINED = new SeccompProfile(Kind.UNCONFINED, "");
    public static final SeccompProfile RUNTIME_DEFAULT = new SeccompProfile(Kind.RUNTIME_DEFAULT, "");

    public enum Kind {
        UNCONFINED,
        RUNTIME_DEFAULT,
        LOCALHOST
    }

    public SeccompProfile {
        localhostPath = localhostPath == null ? "" : localhostPath;
    }

    public static SeccompProfile localhost(String path) {
        return new SeccompProfile(Kind.LOCALHOST, path);
    }
}
