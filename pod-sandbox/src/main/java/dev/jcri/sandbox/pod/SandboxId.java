package dev.jcri.sandbox.pod;

import java.security.SecureRandom;
import java.util.HexFormat;

/** Sandbox IDs: 64 lowercase hex characters, like container IDs, random so that they cannot be guessed. */
public final class SandboxId {
    public static final int LENGTH = 64;

    private static final SecureRandom RANDOM = new SecureRandom();
    private static final HexFormat HEX = HexFormat.of();

    private SandboxId() {
    }

    public static String generate() {
        byte[] bytes = new byte[LENGTH / 2];
        RANDOM.nextBytes(bytes);
        return HEX.formatHex(bytes);
    }

    /** Exactly 64 lowercase hex characters; the form IDs take in paths, so anything else is refused there. */
    public static boolean isValid(String id) {
        if (id == null || id.length() != LENGTH) {
            return false;
        }
        for (int i = 0; i < LENGTH; i++) {
            char c = id.charAt(i);
            if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
                return false;
            }
        }
        return true;
    }
}
