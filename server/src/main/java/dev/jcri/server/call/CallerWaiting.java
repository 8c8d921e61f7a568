package dev.jcri.server.call;

import io.grpc.Context;
import io.grpc.Deadline;
import java.util.concurrent.TimeUnit;

/**
 * Whether the client of the current call still waits for its answer: not cancelled, and with enough of its
 * deadline left for the answer to arrive. A create whose answer may be lost stays open to a retry of the same
 * request ({@code CreateRetries}).
 */
public final class CallerWaiting {
    /** An answer sent this close to the deadline may arrive after the client gave up. */
    private static final long MARGIN_MILLIS = 1000;

    private CallerWaiting() {}

    public static boolean now() {
        Context context = Context.current();
        if (context.isCancelled()) {
            return false;
        }
        Deadline deadline = context.getDeadline();
        return deadline == null || deadline.timeRemaining(TimeUnit.MILLISECONDS) > MARGIN_MILLIS;
    }
}
