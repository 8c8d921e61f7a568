package dev.jcri.image.unpack;

/** A layer entry that would create or change something outside the layer directory. */
public class UnsafeLayerException extends InvalidLayerException {
    public UnsafeLayerException(String entry, String problem) {
        super(entry, problem);
    }
}
