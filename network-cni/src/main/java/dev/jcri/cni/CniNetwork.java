package dev.jcri.cni;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/** Runs one network config's plugin chain: ADD, DEL, CHECK and STATUS. */
public final class CniNetwork {
    private static final Logger log = LoggerFactory.getLogger(CniNetwork.class);

    private final CniNetworkConfig config;
    private final CniPluginRunner runner;
    private final CniResultCache cache;

    public CniNetwork(CniNetworkConfig config, CniPluginRunner runner, CniResultCache cache) {
        this.config = config;
        this.runner = runner;
        this.cache = cache;
    }

    public CniNetworkConfig config() {
        return config;
    }

    /**
     * Runs the chain in order, each plugin getting the previous one's result as {@code prevResult}, and caches
     * the final result. On failure the cache keeps the config, so a later {@link #del} undoes what ran.
     */
    public CniResult add(CniRuntimeConf rt) throws CniException {
        ObjectNode capabilityArgs = rt.capabilityArgs();
        CniResultCache.Entry entry = new CniResultCache.Entry(
                config.name(), rt.containerId(), rt.ifName(), config.json(), capabilityArgs, null);
        cache.store(entry);
        ObjectNode result = null;
        for (CniPluginConfig plugin : config.plugins()) {
            ObjectNode stdin = plugin.invocationConfig(config.name(), config.cniVersion(), result, capabilityArgs);
            byte[] out = runner.run(plugin.type(), CniCommand.ADD, rt.cniVariables(), CniJson.bytes(stdin));
            result = parseResult(plugin.type(), out);
        }
        CniResult parsed = CniResult.parse(result);
        cache.update(entry.withResult(result));
        log.info(
                "pod network added: network={} container={} ifName={} ips={}",
                config.name(),
                rt.containerId(),
                rt.ifName(),
                parsed.podIps(rt.ifName()));
        return parsed;
    }

    /**
     * Runs the chain in reverse. When the cache knows this attachment, its config and capability args are used
     * (libcni's rule: undo what was done, not what the current file says) with the cached result as
     * {@code prevResult}. Every plugin is tried even if one fails, so that as much as possible is released; the
     * cache entry is dropped only when all succeeded, so a retry covers the rest. Plugins treat repeated DELs as
     * success, so this is idempotent.
     */
    public void del(CniRuntimeConf rt) throws CniException {
        Optional<CniResultCache.Entry> cached = cache.load(config.name(), rt.containerId(), rt.ifName());
        CniNetworkConfig used = config;
        ObjectNode capabilityArgs = rt.capabilityArgs();
        JsonNode prevResult = null;
        if (cached.isPresent()) {
            try {
                used = CniNetworkConfig.fromConflist(cached.get().config(), null);
                capabilityArgs = cached.get().capabilityArgs();
                prevResult = cached.get().result();
            } catch (CniConfigException e) {
                log.warn(
                        "cached CNI config unusable, deleting with the current one: network={} container={}"
                                + " error={}",
                        config.name(),
                        rt.containerId(),
                        e.getMessage());
            }
        }
        if (!used.cniVersion().hasCheck()) {
            // Before 0.4.0 plugins were not promised a prevResult on DEL, and some reject one.
            prevResult = null;
        }
        CniException failure = null;
        List<CniPluginConfig> plugins = used.plugins().reversed();
        for (CniPluginConfig plugin : plugins) {
            ObjectNode stdin = plugin.invocationConfig(used.name(), used.cniVersion(), prevResult, capabilityArgs);
            try {
                runner.run(plugin.type(), CniCommand.DEL, rt.cniVariablesForDel(), CniJson.bytes(stdin));
            } catch (CniException e) {
                if (failure == null) {
                    failure = e;
                } else {
                    failure.addSuppressed(e);
                }
            }
        }
        if (failure != null) {
            throw failure;
        }
        cache.remove(config.name(), rt.containerId(), rt.ifName());
        log.info("pod network deleted: network={} container={} ifName={}", used.name(), rt.containerId(), rt.ifName());
    }

    /**
     * Runs CHECK through the chain with the cached ADD result.
     *
     * @return false when CHECK does not apply (cniVersion before 0.4.0, or {@code disableCheck})
     * @throws CniException the network is not as ADD left it, or there is no completed ADD to check
     */
    public boolean check(CniRuntimeConf rt) throws CniException {
        if (!config.cniVersion().hasCheck() || config.disableCheck()) {
            return false;
        }
        CniResultCache.Entry entry = cache.load(config.name(), rt.containerId(), rt.ifName())
                .filter(e -> e.result() != null)
                .orElseThrow(() -> new CniException("no completed CNI ADD cached for network " + config.name()
                        + ", container " + rt.containerId() + ", interface " + rt.ifName()));
        CniNetworkConfig used;
        try {
            used = CniNetworkConfig.fromConflist(entry.config(), null);
        } catch (CniConfigException e) {
            throw new CniException(
                    "cached CNI config for network " + config.name() + " is unusable: " + e.getMessage(), e);
        }
        for (CniPluginConfig plugin : used.plugins()) {
            ObjectNode stdin =
                    plugin.invocationConfig(used.name(), used.cniVersion(), entry.result(), entry.capabilityArgs());
            runner.run(plugin.type(), CniCommand.CHECK, rt.cniVariables(), CniJson.bytes(stdin));
        }
        return true;
    }

    /**
     * Asks each plugin whether it can serve ADDs (STATUS, cniVersion 1.1.0 and later); older configs are taken
     * as ready because their plugins do not know the command.
     *
     * @throws CniPluginException a plugin is not ready (code 50: no new pods; 51: existing pods may be damaged)
     */
    public void status() throws CniException {
        if (!config.cniVersion().hasStatus()) {
            return;
        }
        for (CniPluginConfig plugin : config.plugins()) {
            ObjectNode stdin = plugin.invocationConfig(config.name(), config.cniVersion(), null, CniJson.newObject());
            runner.run(plugin.type(), CniCommand.STATUS, Map.of(), CniJson.bytes(stdin));
        }
    }

    private static ObjectNode parseResult(String type, byte[] out) throws CniPluginException {
        if (out.length == 0 || new String(out, StandardCharsets.UTF_8).isBlank()) {
            throw CniPluginException.badOutput(type, CniCommand.ADD, "returned no result", "");
        }
        ObjectNode json;
        try {
            json = CniJson.parseObject(out);
        } catch (CniJson.NotAnObject e) {
            throw CniPluginException.badOutput(
                    type,
                    CniCommand.ADD,
                    "returned an unreadable result (" + e.getMessage() + ")",
                    CniJson.snippet(out));
        }
        try {
            CniResult.parse(json);
        } catch (IllegalArgumentException e) {
            throw CniPluginException.badOutput(
                    type, CniCommand.ADD, "returned an invalid result (" + e.getMessage() + ")", CniJson.snippet(out));
        }
        return json;
    }
}
