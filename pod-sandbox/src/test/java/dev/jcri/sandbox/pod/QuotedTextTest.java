package dev.jcri.sandbox.pod;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class QuotedTextTest {
    @Test
    void plainTextIsQuoted() {
        assertEquals("\"net.ipv4.ip_forward\"", QuotedText.of("net.ipv4.ip_forward"));
        assertEquals("\"\"", QuotedText.of(""));
    }

    @Test
    void controlCharactersQuotesAndBackslashesAreEscaped() {
        assertEquals("\"a\\nb\\rc\\td\\u0000e\\u001bf\\u007f\"", QuotedText.of("a\nb\rc\td\0e\u001bf\u007f"));
        assertEquals("\"say \\\"hi\\\" \\\\ bye\"", QuotedText.of("say \"hi\" \\ bye"));
        assertEquals("\"\\u202e\\u0085\"", QuotedText.of("\u202e\u0085"));
        assertEquals("\"caf\u00e9\"", QuotedText.of("caf\u00e9"));
    }

    @Test
    void longTextIsCut() {
        assertEquals("\"" + "x".repeat(100) + "\"... (4097 characters)", QuotedText.of("x".repeat(4097)));
        assertEquals("\"" + "x".repeat(100) + "\"", QuotedText.of("x".repeat(100)));
    }

    @Test
    void aCutNeverSplitsASurrogatePair() {
        String text = "x".repeat(99) + "\uD83D\uDE00" + "y";
        assertEquals("\"" + "x".repeat(99) + "\"... (102 characters)", QuotedText.of(text));
    }
}
