package dev.jcri.image.distribution;

import java.io.IOException;
import java.util.List;

/** An image index without an image for this node's platform. */
public class NoMatchingPlatformException extends IOException {
    private final Platform wanted;
    private final List<Platform> available;

    public NoMatchingPlatformException(Platform wanted, List<Platform> available) {
        super("the image has no variant for " + wanted + "; it offers "
                + (available.isEmpty()
                        ? "no runnable platform at all"
                        : String.join(
                                ", ", available.stream().map(Platform::toString).toList())));
        this.wanted = wanted;
        this.available = List.copyOf(available);
    }

    public Platform wanted() {
        return wanted;
    }

    public List<Platform> available() {
        return available;
    }
}
