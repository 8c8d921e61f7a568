package dev.jcri.sandbox;

import java.security.SecureRandom;
import java.util.HexFormat;

/**
 * IDs of sandboxes and containers alike: 64 lowercase hex characters, random so that they cannot be guessed, and
 * the only form an ID takes in a path.
 */
public final class ObjectId {
    public static final int LENGTH = 64;

    private static final SecureRandom RANDOM = new SecureRandom();
    private static final HexFormat HEX = HexFormat.of();

    private ObjectId() {}

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
