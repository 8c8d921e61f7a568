package dev.jcri.server.streaming.request;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class StreamTokensTest {
    private static final StreamRequest EXEC = new StreamRequest.Exec("c1", List.of("sh"), false, false, true, true);

    @Test
    void aTokenIsRedeemedOnceOnly() {
        StreamTokens tokens = new StreamTokens();
        String token = tokens.issue(EXEC);
        assertEquals(EXEC, tokens.redeem(token).orElseThrow());
        assertTrue(tokens.redeem(token).isEmpty());
    }

    @Test
    void tokensAreUnguessableAndUrlSafe() {
        StreamTokens tokens = new StreamTokens();
        String a = tokens.issue(EXEC);
        String b = tokens.issue(EXEC);
        assertNotEquals(a, b);
        assertTrue(a.matches("[A-Za-z0-9_-]{43}"), a);
    }

    @Test
    void anExpiredTokenIsGone() throws InterruptedException {
        StreamTokens tokens = new StreamTokens(Duration.ofMillis(20));
        String token = tokens.issue(EXEC);
        Thread.sleep(50);
        assertTrue(tokens.redeem(token).isEmpty());
        assertEquals(0, tokens.pendingCount());
    }

    @Test
    void outstandingTokensAreBounded() {
        StreamTokens tokens = new StreamTokens();
        for (int i = 0; i < StreamTokens.MAX_PENDING; i++) {
            tokens.issue(EXEC);
        }
        assertThrows(StreamTokens.TooManyPending.class, () -> tokens.issue(EXEC));
    }
}
