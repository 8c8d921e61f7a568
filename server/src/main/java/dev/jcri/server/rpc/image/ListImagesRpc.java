package dev.jcri.server.rpc.image;

import dev.jcri.cri.v1.ImageFilter;
import dev.jcri.cri.v1.ListImagesRequest;
import dev.jcri.cri.v1.ListImagesResponse;
import dev.jcri.image.store.ImageRecord;
import dev.jcri.image.store.ImageStore;
import dev.jcri.server.call.CriCall;
import java.util.List;

/** ListImages: every image, or only the one the filter names. */
public final class ListImagesRpc implements CriCall.Handler<ListImagesRequest, ListImagesResponse> {
    private final ImageStore store;
    private final PinnedImages pinned;

    public ListImagesRpc(ImageStore store, PinnedImages pinned) {
        this.store = store;
        this.pinned = pinned;
    }

    @Override
    public ListImagesResponse handle(ListImagesRequest request) {
        return ListImagesResponse.newBuilder()
                .addAllImages(select(store, request.getFilter()).stream()
                        .map(record -> CriImages.toCri(record, pinned.pinned(record, store)))
                        .toList())
                .build();
    }

    /** An empty filter is no filter; a filter naming an unknown image matches nothing (not an error). */
    static List<ImageRecord> select(ImageStore store, ImageFilter filter) {
        String wanted = filter.getImage().getImage().strip();
        if (wanted.isEmpty()) {
            return store.list();
        }
        return store.find(wanted).map(List::of).orElse(List.of());
    }
}
