package dev.jcri.sandbox.container;

import dev.jcri.image.store.ImageRecord;
import java.io.IOException;

/** Gives an image from the store, pulling it first when the node lacks it (the infra container's image). */
@FunctionalInterface
public interface ImageSource {
    ImageRecord ensure(String reference) throws IOException, InterruptedException;
}
