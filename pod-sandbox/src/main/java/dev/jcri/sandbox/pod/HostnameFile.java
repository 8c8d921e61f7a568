package dev.jcri.sandbox.pod;

/** The content of a pod's {@code /etc/hostname}. */
public final class HostnameFile {
    private HostnameFile() {}

    /**
     * The hostname and a newline.
     *
     * @throws IllegalArgumentException naming {@code hostname} when it is not a valid hostname
     */
    public static String content(String hostname) {
        return Hostname.validate(hostname) + "\n";
    }
}
