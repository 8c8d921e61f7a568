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
 * <p>The answer to no filter at all (kubelet's relist, every second) is always kept; of the others (kubelet asks
 * by pod when it syncs one) the {@value #FILTERS} used last.
 */
public final class ListAnswers<F, R, A> {
    static final int FILTERS = 8;

    private record Kept<F, R, A>(F filter, List<R> records, A answer) {}

    private final F unfiltered;
    private final Function<List<R>, A> build;
    // Guarded by this; the work under the lock is an identity scan of the records. Most recently used first.
    private final List<Kept<F, R, A>> kept = new ArrayList<>(FILTERS);
    private Kept<F, R, A> all;

    /** {@code unfiltered}: the filter that selects everything, whose answer is never dropped for another's. */
    public ListAnswers(F unfiltered, Function<List<R>, A> build) {
        this.unfiltered = unfiltered;
        this.build = build;
    }

    /** The answer for these selected records under this filter: the kept one if they are the same objects. */
    public A of(F filter, List<R> records) {
        boolean everything = unfiltered.equals(filter);
        synchronized (this) {
            if (everything) {
                if (all != null && sameObjects(all.records(), records)) {
                    return all.answer();
                }
            } else {
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
        }
        // Built outside the lock; two callers racing on a change each build one, and either is correct.
        A answer = build.apply(records);
        Kept<F, R, A> made = new Kept<>(filter, List.copyOf(records), answer);
        synchronized (this) {
            if (everything) {
                all = made;
            } else {
                kept.removeIf(k -> k.filter().equals(filter));
                if (kept.size() == FILTERS) {
                    kept.removeLast();
                }
                kept.addFirst(made);
            }
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
