package dev.jcri.image;

/** An image reference that does not parse; the message names the reference and what is wrong with it. */
public class InvalidReferenceException extends IllegalArgumentException {
    private final String reference;
    private final String problem;

    public InvalidReferenceException(String reference, String problem) {
        super("invalid image reference \"" + reference + "\": " + problem);
        this.reference = reference;
        this.problem = problem;
    }

    public String reference() {
        return reference;
    }

    /** What is wrong, without the reference. */
    public String problem() {
        return problem;
    }
}
