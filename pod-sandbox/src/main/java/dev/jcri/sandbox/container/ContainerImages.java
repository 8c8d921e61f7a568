package dev.jcri.sandbox.container;

import dev.jcri.image.store.ImageRecord;
import dev.jcri.image.store.ImageStore;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/** What containers need of the image store: the image, its layers, and a pin that keeps them while they run. */
public interface ContainerImages {
    Optional<ImageRecord> find(String reference);

    /** Keeps the layers from garbage collection while {@code owner} exists. */
    void pin(String owner, List<String> layers);

    /** Keeps whole images (by ID) while {@code owner} exists: RemoveImage refuses them until {@link #unpin}. */
    void hold(String owner, List<String> imageIds);

    /** Releases the owner's layers and images. */
    void unpin(String owner);

    /** The unpacked directory of a layer, by its chain ID. */
    Path layerDiff(String layer);

    static ContainerImages of(ImageStore store) {
        return new ContainerImages() {
            @Override
            public Optional<ImageRecord> find(String reference) {
                return store.find(reference);
            }

            @Override
            public void pin(String owner, List<String> layers) {
                store.pin(owner, layers);
            }

            @Override
            public void hold(String owner, List<String> imageIds) {
                store.hold(owner, imageIds);
            }

            @Override
            public void unpin(String owner) {
                store.unpin(owner);
            }

            @Override
            public Path layerDiff(String layer) {
                return store.layerDiff(layer);
            }
        };
    }
}
