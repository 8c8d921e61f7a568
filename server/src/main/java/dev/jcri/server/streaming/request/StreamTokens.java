package dev.jcri.server.streaming.request;

import java.security.SecureRandom;
import java.time.Duration;
import java.util.Base64;
import java.util.Iterator;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Single-use, unguessable tokens that stand for a stream request until the client connects: 256 random bits,
 * redeemed at most once, void after {@link #TTL} unused (kubelet's streaming cache uses the same 30 s), and at most
 * {@link #MAX_PENDING} outstanding so that a client calling Exec in a loop cannot grow jcri's memory.
 */
public final class StreamTokens {
    public static final Duration TTL = Duration.ofSeconds(30);
    public static final int MAX_PENDING = 1000;

    /** Too many tokens are waiting for their client. */
    public static final class TooManyPending extends RuntimeException {
        TooManyPending() {
            super("more than " + MAX_PENDING + " stream requests are waiting for their client");
        }
    }

    private record Pending(StreamRequest request, long expiresAt) {}

    private final SecureRandom random = new SecureRandom();
    private final Map<String, Pending> pending = new ConcurrentHashMap<>();
    private final Duration ttl;

    public StreamTokens() {
        this(TTL);
    }

    StreamTokens(Duration ttl) {
        this.ttl = ttl;
    }

    public String issue(StreamRequest request) {
        purgeExpired();
        if (pending.size() >= MAX_PENDING) {
            throw new TooManyPending();
        }
        byte[] bytes = new byte[32];
        random.nextBytes(bytes);
        String token = Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
        pending.put(token, new Pending(request, System.nanoTime() + ttl.toNanos()));
        return token;
    }

    /** The request, once: a second redeem of the same token, or one after expiry, finds nothing. */
    public Optional<StreamRequest> redeem(String token) {
        Pending found = pending.remove(token);
        if (found == null || System.nanoTime() - found.expiresAt() > 0) {
            return Optional.empty();
        }
        return Optional.of(found.request());
    }

    int pendingCount() {
        purgeExpired();
        return pending.size();
    }

    private void purgeExpired() {
        long now = System.nanoTime();
        for (Iterator<Pending> it = pending.values().iterator(); it.hasNext(); ) {
            if (now - it.next().expiresAt() > 0) {
                it.remove();
            }
        }
    }
}
