package dev.jcri.server.rpc.image;

import dev.jcri.cri.v1.ImageStatusRequest;
import dev.jcri.cri.v1.ImageStatusResponse;
import dev.jcri.image.store.ImageRecord;
import dev.jcri.image.store.ImageStore;
import dev.jcri.server.call.CriCall;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import tools.jackson.databind.json.JsonMapper;

/** ImageStatus: one image by ID, ID prefix, tag or digest. */
public final class ImageStatusRpc implements CriCall.Handler<ImageStatusRequest, ImageStatusResponse> {
    private static final JsonMapper JSON = JsonMapper.builder().build();

    private final ImageStore store;
    private final PinnedImages pinned;

    public ImageStatusRpc(ImageStore store, PinnedImages pinned) {
        this.store = store;
        this.pinned = pinned;
    }

    @Override
    public ImageStatusResponse handle(ImageStatusRequest request) throws IOException {
        String spec = CriImages.requiredSpec(request.getImage(), "image.image");
        Optional<ImageRecord> found = store.find(spec);
        if (found.isEmpty()) {
            // The CRI: "If the image isn't present, returns a response with ImageStatusResponse.Image set to nil."
            return ImageStatusResponse.getDefaultInstance();
        }
        ImageRecord record = found.get();
        ImageStatusResponse.Builder response =
                ImageStatusResponse.newBuilder().setImage(CriImages.toCri(record, pinned.pinned(record, store)));
        if (request.getVerbose()) {
            Map<String, Object> info = new LinkedHashMap<>();
            info.put("id", record.id());
            info.put("manifestDigest", record.manifestDigest());
            info.put("layers", record.layers());
            Optional<byte[]> config = store.readBlob(record.id());
            info.put(
                    "imageSpec",
                    config.isPresent()
                            ? JSON.readTree(new String(config.get(), StandardCharsets.UTF_8))
                            : record.config());
            response.putInfo("info", JSON.writeValueAsString(info));
        }
        return response.build();
    }
}
