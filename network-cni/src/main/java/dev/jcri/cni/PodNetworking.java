package dev.jcri.cni;

import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Attaches pods to the node's CNI network and detaches them: what the sandbox code and the runtime's Status
 * need, on top of config discovery, the plugin chain, the loopback and the result cache.
 *
 * <p>The spec forbids parallel operations on one container; callers serialize per sandbox (they already do for
 * the sandbox's own state). Different sandboxes may run concurrently.
 */
public final class PodNetworking {
    private static final Logger log = LoggerFactory.getLogger(PodNetworking.class);

    private final CniConfigDirectory configs;
    private final CniPluginRunner runner;
    private final CniResultCache cache;
    private final CniLoopback loopback;

    /** Told how long each pod-level ADD and DEL took, for metrics; the network code knows no metrics library. */
    @FunctionalInterface
    public interface Timings {
        Timings NONE = (operation, nanos, ok) -> {};

        void observed(String operation, long nanos, boolean ok);
    }

    private volatile Timings timings = Timings.NONE;

    public PodNetworking(CniConfigDirectory configs, CniPluginRunner runner, CniResultCache cache) {
        this.configs = configs;
        this.runner = runner;
        this.cache = cache;
        this.loopback = new CniLoopback(runner);
    }

    public void observeWith(Timings observer) {
        this.timings = observer;
    }

    /** NetworkReady: a usable config exists and, for 1.1.0 configs, every plugin answers STATUS. */
    public CniNetworkStatus status() {
        CniConfigLookup lookup = configs.find();
        if (lookup.network().isEmpty()) {
            return CniNetworkStatus.notReady(lookup.reason());
        }
        CniNetworkConfig config = lookup.network().get();
        try {
            new CniNetwork(config, runner, cache).status();
            return CniNetworkStatus.isReady();
        } catch (CniException e) {
            return CniNetworkStatus.notReady("CNI network " + config.name() + " is not ready: " + e.getMessage());
        }
    }

    /**
     * Brings up {@code lo}, then runs the network's ADD chain. If ADD fails, DEL runs at once: the caller
     * discards the sandbox and nobody would undo a half-made attachment (an IP held by host-local) later.
     */
    public CniResult setUp(CniRuntimeConf rt) throws CniException {
        long start = System.nanoTime();
        boolean ok = false;
        try {
            CniResult result = add(rt);
            ok = true;
            return result;
        } finally {
            timings.observed("ADD", System.nanoTime() - start, ok);
        }
    }

    private CniResult add(CniRuntimeConf rt) throws CniException {
        CniConfigLookup lookup = configs.find();
        CniNetworkConfig config =
                lookup.network().orElseThrow(() -> new CniException("pod network is not ready: " + lookup.reason()));
        // lo and the network's interface are independent: the loopback plugin runs while the chain does, which
        // takes one plugin process off the pod's start. Either failing undoes the chain (lo has no DEL).
        FutureTask<Void> lo = new FutureTask<>(() -> {
            loopback.up(rt);
            return null;
        });
        Thread.ofVirtual().name("cni-loopback").start(lo);
        CniNetwork network = new CniNetwork(config, runner, cache);
        try {
            CniResult result = network.add(rt);
            awaitLoopback(lo);
            return result;
        } catch (CniException addFailure) {
            if (!lo.isDone()) {
                try {
                    awaitLoopback(lo);
                } catch (CniException loFailure) {
                    addFailure.addSuppressed(loFailure);
                }
            }
            try {
                network.del(rt);
            } catch (CniException delFailure) {
                addFailure.addSuppressed(delFailure);
            }
            throw addFailure;
        }
    }

    private static void awaitLoopback(FutureTask<Void> lo) throws CniException {
        try {
            lo.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CniException("interrupted while the loopback plugin ran", e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof CniException cni) {
                throw cni;
            }
            throw new CniException("loopback plugin failed: " + e.getCause(), e.getCause());
        }
    }

    /**
     * Runs DEL for every attachment cached for the sandbox, with the config each was made with; with nothing
     * cached (a cache lost, or a sandbox from before the cache), DEL runs with the current config so that the
     * plugins release what they hold by container ID. Repeating it is harmless.
     */
    public void tearDown(CniRuntimeConf rt) throws CniException {
        long start = System.nanoTime();
        boolean ok = false;
        try {
            del(rt);
            ok = true;
        } finally {
            timings.observed("DEL", System.nanoTime() - start, ok);
        }
    }

    private void del(CniRuntimeConf rt) throws CniException {
        List<CniResultCache.Entry> entries = cache.entriesFor(rt.containerId());
        Optional<CniNetworkConfig> current = configs.find().network();
        if (entries.isEmpty()) {
            if (current.isPresent()) {
                new CniNetwork(current.get(), runner, cache).del(rt);
            } else {
                log.debug("no CNI attachment cached and no config, nothing to delete: container={}", rt.containerId());
            }
            return;
        }
        CniException failure = null;
        for (CniResultCache.Entry entry : entries) {
            try {
                networkFor(entry, current).del(rt.withIfName(entry.ifName()));
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
    }

    /** The sandboxes that hold an attachment, by the cache: what the orphan sweep compares with the records. */
    public Set<String> attachedIds() {
        return cache.containerIds();
    }

    /**
     * Whether an ADD began for the sandbox and was not deleted since: its cache entry is written before the
     * plugins run and dropped after a complete DEL. Recovery asks, to undo only what a crash left.
     */
    public boolean attached(String containerId) {
        return !cache.entriesFor(containerId).isEmpty();
    }

    /**
     * CHECKs every attachment cached for the sandbox.
     *
     * @return false if none could be checked (no completed attachment, or CHECK not applicable)
     */
    public boolean check(CniRuntimeConf rt) throws CniException {
        boolean checked = false;
        for (CniResultCache.Entry entry : cache.entriesFor(rt.containerId())) {
            if (entry.result() != null) {
                checked |= networkFor(entry, Optional.empty()).check(rt.withIfName(entry.ifName()));
            }
        }
        return checked;
    }

    private CniNetwork networkFor(CniResultCache.Entry entry, Optional<CniNetworkConfig> current) throws CniException {
        try {
            return new CniNetwork(CniNetworkConfig.fromConflist(entry.config(), null), runner, cache);
        } catch (CniConfigException e) {
            // Only a validation rule newer than the entry gets here; the current config of the same name is
            // the best remaining guess at what ADD ran.
            if (current.isPresent() && current.get().name().equals(entry.networkName())) {
                return new CniNetwork(current.get(), runner, cache);
            }
            throw new CniException(
                    "cached CNI config for network " + entry.networkName() + ", container " + entry.containerId()
                            + " is unusable: " + e.getMessage(),
                    e);
        }
    }
}
