package dev.jcri.sandbox;

/** A request named an object (container, sandbox, image) this node does not have: the CRI's NOT_FOUND. */
public final class NotFoundException extends RuntimeException {
    public NotFoundException(String message) {
        super(message);
    }
}
