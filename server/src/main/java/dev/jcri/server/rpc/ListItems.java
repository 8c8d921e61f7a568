package dev.jcri.server.rpc;

import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * The CRI list items of records, each kept from the previous list while its record is the same object. Records are
 * immutable and every change replaces the object, so an item made from the same object is still exact; kubelet lists
 * every pod and container each second, and rebuilding unchanged items (labels, annotations, metadata) and their
 * serialized sizes, which protobuf memoizes per message, was most of a list call's handler time.
 */
public final class ListItems<R, I> {
    private final Function<R, I> convert;
    // The last list's items only: whatever it no longer lists is dropped with it. Concurrent lists each publish
    // their own map; any of them is correct, the loser costs a later list a few conversions.
    private volatile Map<R, I> previous = new IdentityHashMap<>();

    public ListItems(Function<R, I> convert) {
        this.convert = convert;
    }

    public List<I> of(List<R> records) {
        Map<R, I> before = previous;
        Map<R, I> now = new IdentityHashMap<>(records.size());
        List<I> items = new ArrayList<>(records.size());
        for (R record : records) {
            I item = before.get(record);
            if (item == null) {
                item = convert.apply(record);
            }
            now.put(record, item);
            items.add(item);
        }
        previous = now;
        return items;
    }
}
