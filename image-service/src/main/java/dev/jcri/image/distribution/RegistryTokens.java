package dev.jcri.image.distribution;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Authorization headers per registry, repository scope and identity, obtained by answering the registry's
 * {@code WWW-Authenticate} challenge (Docker token auth, or Basic) and cached until shortly before they expire.
 */
final class RegistryTokens {
    private static final JsonMapper JSON = JsonMapper.builder().build();
    /** The token spec's default lifetime when the token server names none. */
    private static final long DEFAULT_LIFETIME_SECONDS = 60;

    private record Cached(String header, Instant expires) {}

    private final HttpClient http;
    private final Map<String, Cached> cache = new ConcurrentHashMap<>();

    RegistryTokens(HttpClient http) {
        this.http = http;
    }

    /** The header to send before any challenge was seen, if a live one is cached. */
    String cached(String host, String scope, RegistryCredentials credentials) {
        if (!credentials.registryToken().isEmpty()) {
            return "Bearer " + credentials.registryToken();
        }
        Cached entry = cache.get(key(host, scope, credentials));
        if (entry == null || Instant.now().isAfter(entry.expires())) {
            return null;
        }
        return entry.header();
    }

    /** Answers a 401's challenges; returns the header to retry with. */
    String answer(
            List<AuthChallenge> challenges,
            String host,
            String repository,
            String scope,
            RegistryCredentials credentials)
            throws IOException, InterruptedException {
        for (AuthChallenge challenge : challenges) {
            if (challenge.isBearer() && challenge.realm() != null) {
                if (!credentials.registryToken().isEmpty()) {
                    return "Bearer " + credentials.registryToken();
                }
                return fetchToken(challenge, host, repository, scope, credentials);
            }
        }
        for (AuthChallenge challenge : challenges) {
            if (challenge.isBasic()) {
                if (!credentials.hasBasic()) {
                    throw new RegistryException(
                            RegistryException.Kind.UNAUTHORIZED,
                            "registry " + host + " requires credentials for repository " + repository
                                    + " (401 Unauthorized), none given");
                }
                String header = credentials.basicHeader();
                cache.put(key(host, scope, credentials), new Cached(header, Instant.MAX));
                return header;
            }
        }
        throw new RegistryException(
                RegistryException.Kind.UNAUTHORIZED,
                "registry " + host + " answered 401 Unauthorized for repository " + repository
                        + " with no usable challenge");
    }

    private String fetchToken(
            AuthChallenge challenge, String host, String repository, String scope, RegistryCredentials credentials)
            throws IOException, InterruptedException {
        String service = challenge.service();
        String wantedScope = challenge.scope() != null ? challenge.scope() : scope;
        URI realm;
        try {
            realm = URI.create(challenge.realm());
        } catch (IllegalArgumentException e) {
            throw new RegistryException(
                    RegistryException.Kind.PROTOCOL,
                    "registry " + host + " names an invalid token realm: " + challenge.realm());
        }
        if (!"https".equals(realm.getScheme()) && !"http".equals(realm.getScheme())) {
            throw new RegistryException(
                    RegistryException.Kind.PROTOCOL,
                    "registry " + host + " names a token realm that is not http(s): " + realm);
        }
        HttpRequest.Builder request;
        if (!credentials.identityToken().isEmpty()) {
            // An identity token is an OAuth2 refresh token: exchange it with a POST, as the token spec says.
            String form = form(Map.of(
                    "grant_type",
                    "refresh_token",
                    "refresh_token",
                    credentials.identityToken(),
                    "service",
                    service == null ? "" : service,
                    "scope",
                    wantedScope,
                    "client_id",
                    "jcri"));
            request = HttpRequest.newBuilder(realm)
                    .header("Content-Type", "application/x-www-form-urlencoded")
                    .POST(HttpRequest.BodyPublishers.ofString(form));
        } else {
            StringBuilder query = new StringBuilder();
            if (service != null) {
                query.append("service=").append(encode(service)).append('&');
            }
            query.append("scope=").append(encode(wantedScope));
            String base = realm.toString();
            request = HttpRequest.newBuilder(URI.create(base + (base.contains("?") ? "&" : "?") + query))
                    .GET();
            if (credentials.hasBasic()) {
                request.header("Authorization", credentials.basicHeader());
            }
        }
        request.timeout(Duration.ofSeconds(30));
        HttpResponse<InputStream> response = http.send(request.build(), HttpResponse.BodyHandlers.ofInputStream());
        byte[] body;
        try (InputStream in = response.body()) {
            body = in.readNBytes(1 << 20);
        }
        if (response.statusCode() == 401 || response.statusCode() == 403) {
            throw new RegistryException(
                    RegistryException.Kind.UNAUTHORIZED,
                    "registry " + host
                            + " token service refused the credentials for repository " + repository + " ("
                            + response.statusCode() + ")");
        }
        if (response.statusCode() != 200) {
            throw new RegistryException(
                    RegistryException.Kind.UNAVAILABLE,
                    "registry " + host + " token service answered " + response.statusCode() + " for repository "
                            + repository);
        }
        JsonNode json;
        try {
            json = JSON.readTree(body);
        } catch (RuntimeException e) {
            throw new RegistryException(
                    RegistryException.Kind.PROTOCOL,
                    "registry " + host + " token service answered something that is not JSON");
        }
        String token = text(json, "token");
        if (token.isEmpty()) {
            token = text(json, "access_token");
        }
        if (token.isEmpty()) {
            throw new RegistryException(
                    RegistryException.Kind.PROTOCOL, "registry " + host + " token service answered without a token");
        }
        long lifetime = json.has("expires_in") && json.get("expires_in").canConvertToLong()
                ? Math.max(json.get("expires_in").asLong(), DEFAULT_LIFETIME_SECONDS)
                : DEFAULT_LIFETIME_SECONDS;
        String header = "Bearer " + token;
        // Renew a little early so a long pull does not send a token that expires in flight.
        cache.put(
                key(host, scope, credentials), new Cached(header, Instant.now().plusSeconds(lifetime - 10)));
        return header;
    }

    private static String key(String host, String scope, RegistryCredentials credentials) {
        return host + "|" + scope + "|" + credentials.identityKey();
    }

    private static String text(JsonNode json, String field) {
        JsonNode node = json.get(field);
        return node != null && node.isString() ? node.asString() : "";
    }

    private static String encode(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8);
    }

    private static String form(Map<String, String> fields) {
        StringBuilder out = new StringBuilder();
        fields.forEach((k, v) -> {
            if (!out.isEmpty()) {
                out.append('&');
            }
            out.append(encode(k)).append('=').append(encode(v));
        });
        return out.toString();
    }
}
