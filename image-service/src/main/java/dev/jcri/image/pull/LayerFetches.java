package dev.jcri.image.pull;

import java.io.IOException;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;

/**
 * Layer downloads in flight, keyed by chain ID, so that pulls wanting the same layer at once share one download.
 * At most {@code parallel} layers download at a time across all pulls. A download nobody waits for any more (every
 * interested pull was cancelled or failed) is cancelled too.
 */
final class LayerFetches {
    /** A download job; returns the bytes it fetched. */
    @FunctionalInterface
    interface Download {
        long run() throws IOException, InterruptedException;
    }

    /** One pull's interest in one layer. */
    final class Claim {
        private final String chainId;
        private final Fetch fetch;
        private boolean released;

        private Claim(String chainId, Fetch fetch) {
            this.chainId = chainId;
            this.fetch = fetch;
        }

        /** Waits for the layer; returns the bytes this claim's download fetched (0 when it was shared). */
        long join() throws IOException, InterruptedException {
            try {
                long bytes = fetch.done.get();
                return fetch.first == this ? bytes : 0;
            } catch (ExecutionException e) {
                Throwable cause = e.getCause();
                if (cause instanceof IOException io) {
                    throw io;
                }
                if (cause instanceof InterruptedException ie) {
                    throw new IOException("layer " + chainId + " download was cancelled", ie);
                }
                throw new IOException("layer " + chainId + " download failed: " + cause, cause);
            } finally {
                release();
            }
        }

        /** Gives up interest; the last one to leave cancels a download still running. */
        void release() {
            synchronized (LayerFetches.this) {
                if (released) {
                    return;
                }
                released = true;
                if (--fetch.waiters == 0 && !fetch.done.isDone()) {
                    fetch.task.cancel(true);
                    inFlight.remove(chainId, fetch);
                }
            }
        }
    }

    private final class Fetch {
        final CompletableFuture<Long> done = new CompletableFuture<>();
        Future<?> task;
        int waiters;
        Claim first;
    }

    private final Map<String, Fetch> inFlight = new ConcurrentHashMap<>();
    private final Semaphore parallel;
    private final ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();

    LayerFetches(int parallel) {
        this.parallel = new Semaphore(parallel);
    }

    /** Joins the download of {@code chainId} in flight, or starts {@code download} for it. */
    synchronized Claim claim(String chainId, Download download) {
        Fetch fetch = inFlight.get(chainId);
        if (fetch != null && fetch.done.isDone()) {
            // Finished but not yet unlisted: a failure there is not this pull's to inherit.
            fetch = null;
        }
        boolean fresh = fetch == null;
        if (fresh) {
            fetch = new Fetch();
            inFlight.put(chainId, fetch);
        }
        fetch.waiters++;
        Claim claim = new Claim(chainId, fetch);
        if (fresh) {
            fetch.first = claim;
            Fetch started = fetch;
            fetch.task = executor.submit(() -> {
                try {
                    parallel.acquire();
                    try {
                        started.done.complete(download.run());
                    } finally {
                        parallel.release();
                    }
                } catch (Throwable t) {
                    started.done.completeExceptionally(t);
                } finally {
                    inFlight.remove(chainId, started);
                }
            });
        }
        return claim;
    }
}
