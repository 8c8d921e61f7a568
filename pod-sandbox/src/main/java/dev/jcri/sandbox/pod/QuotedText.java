package dev.jcri.sandbox.pod;

/**
 * User-supplied text as it appears in an error message: in double quotes, with control characters, quotes and
 * backslashes escaped, so a hostile key or value can neither forge a log line nor hide what it holds.
 */
public final class QuotedText {
    /** Longer text is cut, since a 4 KiB value would drown the message it appears in. */
    static final int MAX_SHOWN = 100;

    private QuotedText() {}

    public static String of(String text) {
        StringBuilder out = new StringBuilder().append('"');
        int shown = Math.min(text.length(), MAX_SHOWN);
        if (shown > 0 && shown < text.length() && Character.isHighSurrogate(text.charAt(shown - 1))) {
            shown--;
        }
        for (int i = 0; i < shown; i++) {
            char c = text.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                default -> {
                    if (c < 0x20
                            || c == 0x7f
                            || Character.isISOControl(c)
                            || Character.getType(c) == Character.FORMAT) {
                        out.append(String.format("\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        out.append('"');
        if (text.length() > shown) {
            out.append("... (").append(text.length()).append(" characters)");
        }
        return out.toString();
    }
}
