package dev.jcri.cni;

import java.util.List;
import java.util.Optional;

/**
 * The outcome of looking for the node's network config.
 *
 * @param network  the config to use, if a usable one exists
 * @param reason   when {@code network} is empty: why, naming the dirs searched and each file's problem (the
 *                 message behind NetworkReady=false / NetworkPluginNotReady); empty otherwise
 * @param warnings problems worth an operator's attention that did not prevent a result (skipped files, a
 *                 legacy 0.3.x version)
 */
public record CniConfigLookup(Optional<CniNetworkConfig> network, String reason, List<String> warnings) {
    public CniConfigLookup {
        warnings = List.copyOf(warnings);
    }

    static CniConfigLookup found(CniNetworkConfig network, List<String> warnings) {
        return new CniConfigLookup(Optional.of(network), "", warnings);
    }

    static CniConfigLookup missing(String reason, List<String> warnings) {
        return new CniConfigLookup(Optional.empty(), reason, warnings);
    }

    public boolean isReady() {
        return network.isPresent();
    }
}
