package dev.jcri.cni;

/** A network config that cannot be used; the message says why, without the file name. */
public class CniConfigException extends CniException {
    public CniConfigException(String message) {
        super(message);
    }
}
