package dev.jcri.cni;

/** The value of {@code CNI_COMMAND}. */
public enum CniCommand {
    ADD,
    DEL,
    CHECK,
    STATUS,
    VERSION
}
