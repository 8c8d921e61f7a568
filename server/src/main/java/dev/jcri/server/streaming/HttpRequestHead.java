package dev.jcri.server.streaming;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The request line and headers of an HTTP/1.1 request, which is all the streaming server reads before it upgrades
 * the connection. Bounded: a client cannot make jcri buffer more than {@link #MAX_HEAD} bytes.
 */
public record HttpRequestHead(
        String method, String path, Map<String, List<String>> query, Map<String, List<String>> headers) {
    static final int MAX_HEAD = 16 * 1024;

    /** Reads up to the blank line; the stream is left at the first byte after it. */
    public static HttpRequestHead read(InputStream in) throws IOException {
        List<String> lines = new ArrayList<>();
        StringBuilder line = new StringBuilder();
        int total = 0;
        while (true) {
            int b = in.read();
            if (b < 0) {
                throw new IOException("connection closed inside the request head");
            }
            if (++total > MAX_HEAD) {
                throw new IOException("request head exceeds " + MAX_HEAD + " bytes");
            }
            if (b == '\n') {
                int end = line.length();
                if (end > 0 && line.charAt(end - 1) == '\r') {
                    line.setLength(end - 1);
                }
                if (line.isEmpty()) {
                    break;
                }
                lines.add(line.toString());
                line.setLength(0);
            } else {
                line.append((char) b);
            }
        }
        if (lines.isEmpty()) {
            throw new IOException("empty request");
        }
        String[] request = lines.getFirst().split(" ");
        if (request.length != 3 || !request[2].startsWith("HTTP/1.")) {
            throw new IOException("not an HTTP/1.x request line: " + lines.getFirst());
        }
        Map<String, List<String>> headers = new LinkedHashMap<>();
        for (String header : lines.subList(1, lines.size())) {
            int colon = header.indexOf(':');
            if (colon <= 0) {
                throw new IOException("malformed header line: " + header);
            }
            headers.computeIfAbsent(header.substring(0, colon).strip().toLowerCase(Locale.ROOT), k -> new ArrayList<>())
                    .add(header.substring(colon + 1).strip());
        }
        String target = request[1];
        int question = target.indexOf('?');
        String path = question < 0 ? target : target.substring(0, question);
        return new HttpRequestHead(
                request[0], path, parseQuery(question < 0 ? "" : target.substring(question + 1)), headers);
    }

    /** Every value of a header, comma-separated lists split (as Sec-WebSocket-Protocol and Connection use). */
    public List<String> headerTokens(String name) {
        List<String> tokens = new ArrayList<>();
        for (String value : headers.getOrDefault(name.toLowerCase(Locale.ROOT), List.of())) {
            for (String token : value.split(",")) {
                if (!token.isBlank()) {
                    tokens.add(token.strip());
                }
            }
        }
        return tokens;
    }

    public String header(String name) {
        List<String> values = headers.getOrDefault(name.toLowerCase(Locale.ROOT), List.of());
        return values.isEmpty() ? "" : values.getFirst();
    }

    public boolean upgradeTo(String protocol) {
        return headerTokens("connection").stream().anyMatch(t -> t.equalsIgnoreCase("upgrade"))
                && headerTokens("upgrade").stream().anyMatch(t -> t.equalsIgnoreCase(protocol));
    }

    private static Map<String, List<String>> parseQuery(String query) {
        Map<String, List<String>> parameters = new LinkedHashMap<>();
        for (String pair : query.split("&")) {
            if (pair.isEmpty()) {
                continue;
            }
            int equals = pair.indexOf('=');
            String name = URLDecoder.decode(equals < 0 ? pair : pair.substring(0, equals), StandardCharsets.UTF_8);
            String value = equals < 0 ? "" : URLDecoder.decode(pair.substring(equals + 1), StandardCharsets.UTF_8);
            parameters.computeIfAbsent(name, k -> new ArrayList<>()).add(value);
        }
        return parameters;
    }

    /** Writes a complete response without a body (101 upgrades) or with a short text body (errors). */
    public static void respond(OutputStream out, int status, String reason, Map<String, String> headers, String body)
            throws IOException {
        StringBuilder response = new StringBuilder("HTTP/1.1 ")
                .append(status)
                .append(' ')
                .append(reason)
                .append("\r\n");
        headers.forEach((name, value) ->
                response.append(name).append(": ").append(value).append("\r\n"));
        byte[] content = body == null ? new byte[0] : body.getBytes(StandardCharsets.UTF_8);
        if (body != null) {
            response.append("Content-Type: text/plain; charset=utf-8\r\n")
                    .append("Content-Length: ")
                    .append(content.length)
                    .append("\r\n")
                    .append("Connection: close\r\n");
        }
        response.append("\r\n");
        out.write(response.toString().getBytes(StandardCharsets.ISO_8859_1));
        out.write(content);
        out.flush();
    }
}
