package dev.jcri.server.rpc.image;

import dev.jcri.cri.v1.ImageFilter;
import dev.jcri.cri.v1.ListImagesRequest;
import dev.jcri.cri.v1.ListImagesResponse;
import dev.jcri.image.store.ImageRecord;
import dev.jcri.image.store.ImageStore;
import dev.jcri.server.call.CriCall;
import dev.jcri.server.rpc.ListAnswers;
import java.util.List;

/** ListImages: every image, or only the one the filter names. */
public final class ListImagesRpc implements CriCall.Handler<ListImagesRequest, ListImagesResponse> {
    private final ImageStore store;
    private final PinnedImages pinned;
    // Only the unfiltered list is kept: it holds every record, so whether each is pinned (which resolves names
    // against the whole store) is a function of those objects alone.
    private final ListAnswers<ImageFilter, ImageRecord, ListImagesResponse> everything =
            new ListAnswers<>(ImageFilter.getDefaultInstance(), this::answer);

    public ListImagesRpc(ImageStore store, PinnedImages pinned) {
        this.store = store;
        this.pinned = pinned;
    }

    @Override
    public ListImagesResponse handle(ListImagesRequest request) {
        List<ImageRecord> selected = select(store, request.getFilter());
        return isEverything(request.getFilter())
                ? everything.of(ImageFilter.getDefaultInstance(), selected)
                : answer(selected);
    }

    private ListImagesResponse answer(List<ImageRecord> records) {
        return ListImagesResponse.newBuilder()
                .addAllImages(records.stream()
                        .map(record -> CriImages.toCri(record, pinned.pinned(record, store)))
                        .toList())
                .build();
    }

    private static boolean isEverything(ImageFilter filter) {
        return filter.getImage().getImage().strip().isEmpty();
    }

    /** An empty filter is no filter; a filter naming an unknown image matches nothing (not an error). */
    static List<ImageRecord> select(ImageStore store, ImageFilter filter) {
        if (isEverything(filter)) {
            return store.list();
        }
        return store.find(filter.getImage().getImage().strip()).map(List::of).orElse(List.of());
    }
}
