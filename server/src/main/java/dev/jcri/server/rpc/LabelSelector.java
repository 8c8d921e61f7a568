package dev.jcri.server.rpc;

import java.util.Map;

/** The CRI's label selectors: every pair must be among the object's labels (an empty selector matches all). */
public final class LabelSelector {
    private LabelSelector() {}

    public static boolean matches(Map<String, String> labels, Map<String, String> selector) {
        if (selector.isEmpty()) {
            return true;
        }
        for (Map.Entry<String, String> e : selector.entrySet()) {
            if (!e.getValue().equals(labels.get(e.getKey()))) {
                return false;
            }
        }
        return true;
    }
}
