package dev.jcri.cni;

/**
 * Whether pods can be networked now: the runtime's NetworkReady condition.
 *
 * @param message empty when ready; otherwise what to report with reason {@link #NOT_READY_REASON}
 */
public record CniNetworkStatus(boolean ready, String message) {
    /** The reason kubelet and other runtimes use for NetworkReady=false. */
    public static final String NOT_READY_REASON = "NetworkPluginNotReady";

    static CniNetworkStatus isReady() {
        return new CniNetworkStatus(true, "");
    }

    static CniNetworkStatus notReady(String message) {
        return new CniNetworkStatus(false, message);
    }
}
