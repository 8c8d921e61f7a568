package dev.jcri.image.distribution;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * One challenge from a {@code WWW-Authenticate} header (RFC 7235): a scheme and either auth-params or a
 * token68. Registries answer 401 with e.g.
 * {@code Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:x:pull"}.
 *
 * @param parameters auth-param names in lowercase (they are case-insensitive), values unquoted
 * @param token68 the token68 form's value, or null when the challenge has parameters
 */
public record AuthChallenge(String scheme, Map<String, String> parameters, String token68) {
    public AuthChallenge {
        Objects.requireNonNull(scheme, "scheme");
        parameters = Collections.unmodifiableMap(new LinkedHashMap<>(parameters));
    }

    /**
     * Parses every challenge in a header value; a header may carry several, separated by commas, which is
     * also the separator between one challenge's parameters.
     *
     * @throws IllegalArgumentException when the header does not follow the grammar
     */
    public static List<AuthChallenge> parse(String header) {
        return new Parser(Objects.requireNonNull(header, "header")).challenges();
    }

    public boolean isBearer() {
        return scheme.equalsIgnoreCase("Bearer");
    }

    public boolean isBasic() {
        return scheme.equalsIgnoreCase("Basic");
    }

    /** A parameter by case-insensitive name, or null. */
    public String parameter(String name) {
        return parameters.get(name.toLowerCase(Locale.ROOT));
    }

    public String realm() {
        return parameter("realm");
    }

    public String service() {
        return parameter("service");
    }

    public String scope() {
        return parameter("scope");
    }

    private static final class Parser {
        private final String text;
        private int pos;

        Parser(String text) {
            this.text = text;
        }

        List<AuthChallenge> challenges() {
            List<AuthChallenge> result = new ArrayList<>();
            while (true) {
                skipSeparators();
                if (atEnd()) {
                    break;
                }
                result.add(challenge());
            }
            if (result.isEmpty()) {
                throw malformed("no challenge");
            }
            return List.copyOf(result);
        }

        private AuthChallenge challenge() {
            String scheme = token();
            if (scheme.isEmpty()) {
                throw malformed("expected an auth scheme");
            }
            Map<String, String> parameters = new LinkedHashMap<>();
            if (atEnd() || peek() == ',') {
                return new AuthChallenge(scheme, parameters, null);
            }
            if (peek() != ' ' && peek() != '\t') {
                throw malformed("expected a space after the scheme \"" + scheme + "\"");
            }
            skipWhitespace();
            String token68 = token68();
            if (token68 != null) {
                return new AuthChallenge(scheme, parameters, token68);
            }
            while (true) {
                String name = token();
                if (name.isEmpty()) {
                    throw malformed("expected a parameter name");
                }
                skipWhitespace();
                expect('=');
                skipWhitespace();
                String value = !atEnd() && peek() == '"' ? quotedString() : token();
                parameters.putIfAbsent(name.toLowerCase(Locale.ROOT), value);
                skipWhitespace();
                if (atEnd()) {
                    break;
                }
                expect(',');
                skipSeparators();
                // After a comma comes either the next parameter (token '=') or the next challenge's scheme.
                if (atEnd() || !nextIsParameter()) {
                    break;
                }
            }
            return new AuthChallenge(scheme, parameters, null);
        }

        /** A token68 is the whole rest of the challenge: token68 chars, optional '=' padding, then end or ','. */
        private String token68() {
            int start = pos;
            int end = pos;
            while (end < text.length() && isToken68Char(text.charAt(end))) {
                end++;
            }
            if (end == start) {
                return null;
            }
            while (end < text.length() && text.charAt(end) == '=') {
                end++;
            }
            int after = end;
            while (after < text.length() && (text.charAt(after) == ' ' || text.charAt(after) == '\t')) {
                after++;
            }
            if (after < text.length() && text.charAt(after) != ',') {
                return null;
            }
            pos = after;
            return text.substring(start, end);
        }

        private boolean nextIsParameter() {
            int saved = pos;
            try {
                if (token().isEmpty()) {
                    return false;
                }
                skipWhitespace();
                return !atEnd() && peek() == '=';
            } finally {
                pos = saved;
            }
        }

        private String quotedString() {
            expect('"');
            StringBuilder value = new StringBuilder();
            while (!atEnd()) {
                char c = text.charAt(pos++);
                if (c == '"') {
                    return value.toString();
                }
                if (c == '\\') {
                    if (atEnd()) {
                        break;
                    }
                    c = text.charAt(pos++);
                }
                value.append(c);
            }
            throw malformed("unterminated quoted string");
        }

        private String token() {
            int start = pos;
            while (!atEnd() && isTokenChar(peek())) {
                pos++;
            }
            return text.substring(start, pos);
        }

        private void expect(char c) {
            if (atEnd() || peek() != c) {
                throw malformed("expected '" + c + "'");
            }
            pos++;
        }

        private void skipWhitespace() {
            while (!atEnd() && (peek() == ' ' || peek() == '\t')) {
                pos++;
            }
        }

        private void skipSeparators() {
            while (!atEnd() && (peek() == ' ' || peek() == '\t' || peek() == ',')) {
                pos++;
            }
        }

        private boolean atEnd() {
            return pos >= text.length();
        }

        private char peek() {
            return text.charAt(pos);
        }

        private IllegalArgumentException malformed(String problem) {
            return new IllegalArgumentException(
                    "malformed WWW-Authenticate header \"" + text + "\" at position " + pos + ": " + problem);
        }

        private static boolean isTokenChar(char c) {
            return (c >= 'a' && c <= 'z')
                    || (c >= 'A' && c <= 'Z')
                    || (c >= '0' && c <= '9')
                    || "!#$%&'*+-.^_`|~".indexOf(c) >= 0;
        }

        private static boolean isToken68Char(char c) {
            return (c >= 'a' && c <= 'z')
                    || (c >= 'A' && c <= 'Z')
                    || (c >= '0' && c <= '9')
                    || "-._~+/".indexOf(c) >= 0;
        }
    }
}
