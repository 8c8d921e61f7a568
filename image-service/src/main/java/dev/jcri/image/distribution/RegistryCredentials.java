package dev.jcri.image.distribution;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.HexFormat;

/**
 * What the CRI {@code AuthConfig} carries for one pull. {@link #toString()} never shows a secret, so a record
 * that ends up in a log line leaks nothing.
 *
 * @param identityToken an OAuth2 refresh token, exchanged at the token realm
 * @param registryToken a bearer token sent to the registry as it is
 */
public record RegistryCredentials(String username, String password, String identityToken, String registryToken) {
    public static final RegistryCredentials NONE = new RegistryCredentials("", "", "", "");

    public RegistryCredentials {
        username = username == null ? "" : username;
        password = password == null ? "" : password;
        identityToken = identityToken == null ? "" : identityToken;
        registryToken = registryToken == null ? "" : registryToken;
    }

    /**
     * From the CRI fields; {@code auth} is base64 of {@code user:password}, as in a Docker config file, and is
     * used when username and password are not given separately.
     */
    public static RegistryCredentials fromCri(
            String username, String password, String auth, String identityToken, String registryToken) {
        if ((username == null || username.isEmpty()) && auth != null && !auth.isEmpty()) {
            String decoded;
            try {
                decoded = new String(Base64.getDecoder().decode(auth.strip()), StandardCharsets.UTF_8);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("auth.auth: not valid base64");
            }
            int colon = decoded.indexOf(':');
            if (colon < 0) {
                throw new IllegalArgumentException("auth.auth: expected base64 of user:password");
            }
            username = decoded.substring(0, colon);
            password = decoded.substring(colon + 1);
        }
        return new RegistryCredentials(username, password, identityToken, registryToken);
    }

    public boolean hasBasic() {
        return !username.isEmpty();
    }

    public boolean isEmpty() {
        return username.isEmpty() && password.isEmpty() && identityToken.isEmpty() && registryToken.isEmpty();
    }

    String basicHeader() {
        return "Basic "
                + Base64.getEncoder().encodeToString((username + ":" + password).getBytes(StandardCharsets.UTF_8));
    }

    /** Distinguishes token-cache entries of different identities without keeping secrets as keys. */
    String identityKey() {
        if (isEmpty()) {
            return "anonymous";
        }
        byte[] secrets =
                String.join("\u0000", password, identityToken, registryToken).getBytes(StandardCharsets.UTF_8);
        return username + "#"
                + HexFormat.of()
                        .formatHex(VerifyingInputStream.newDigest("sha256").digest(secrets));
    }

    @Override
    public String toString() {
        return isEmpty() ? "RegistryCredentials[anonymous]" : "RegistryCredentials[user=" + username + ", secrets=***]";
    }
}
