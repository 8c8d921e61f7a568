package dev.jcri.image.unpack;

import java.io.IOException;

/** A layer tar that cannot be unpacked; the message names the offending entry. */
public class InvalidLayerException extends IOException {
    private final String entry;
    private final String problem;

    public InvalidLayerException(String entry, String problem) {
        super("layer entry \"" + entry + "\": " + problem);
        this.entry = entry;
        this.problem = problem;
    }

    /** The entry's name as the tar spells it. */
    public String entry() {
        return entry;
    }

    /** What is wrong, without the entry name. */
    public String problem() {
        return problem;
    }
}
