package dev.jcri.server.rpc;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * A list RPC's answer kept per filter and handed out again, the same object, while the filter selects the same
 * record objects in the same order. Records are immutable and every change replaces the object, so an answer built
 * from the same objects is still exact. Returning the very same message lets the transport send the bytes it
 * encoded for it last time ({@code grpc.EncodedResponses}) instead of encoding every label and annotation again:
 * kubelet lists every pod and container each second, and mostly nothing has changed.
 *
 * <p>A few filters are kept (kubelet uses an empty one and a handful of others); the least recently used goes.
 */
public final class ListAnswers<F, R, A> {
    static final int FILTERS = 8;

    private record Kept<F, R, A>(F filter, List<R> records, A answer) {}

    private final Function<List<R>, A> build;
    // Most recently used first. Guarded by this; the work under the lock is an identity scan of the records.
    private final List<Kept<F, R, A>> kept = new ArrayList<>(FILTERS);

    public ListAnswers(Function<List<R>, A> build) {
        this.build = build;
    }

    /** The answer for these selected records under this filter: the kept one if they are the same objects. */
    public A of(F filter, List<R> records) {
        synchronized (this) {
            for (int i = 0; i < kept.size(); i++) {
                Kept<F, R, A> k = kept.get(i);
                if (k.filter().equals(filter)) {
                    if (sameObjects(k.records(), records)) {
                        if (i > 0) {
                            kept.remove(i);
                            kept.addFirst(k);
                        }
                        return k.answer();
                    }
                    kept.remove(i);
                    break;
                }
            }
        }
        // Built outside the lock; two callers racing on a change each build one, and either is correct.
        A answer = build.apply(records);
        synchronized (this) {
            kept.removeIf(k -> k.filter().equals(filter));
            if (kept.size() == FILTERS) {
                kept.removeLast();
            }
            kept.addFirst(new Kept<>(filter, List.copyOf(records), answer));
        }
        return answer;
    }

    private static <R> boolean sameObjects(List<R> a, List<R> b) {
        if (a.size() != b.size()) {
            return false;
        }
        for (int i = 0; i < a.size(); i++) {
            if (a.get(i) != b.get(i)) {
                return false;
            }
        }
        return true;
    }
}
