package dev.jcri.server.streaming;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Base64;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLServerSocketFactory;

/**
 * TLS for the streaming server from the PEM files operators already have for kubelet: a certificate chain and an
 * unencrypted PKCS#8 private key ({@code -----BEGIN PRIVATE KEY-----}, RSA, EC or Ed25519). They are read at
 * startup; a rotated certificate takes a restart of jcri (which running containers survive).
 */
public final class StreamingTls {
    private static final Pattern PKCS8 =
            Pattern.compile("-----BEGIN PRIVATE KEY-----([A-Za-z0-9+/=\\s]+)-----END PRIVATE KEY-----");

    private StreamingTls() {}

    public static SSLServerSocketFactory serverSocketFactory(Path certificate, Path key) throws IOException {
        try {
            List<? extends Certificate> chain;
            try (var in = Files.newInputStream(certificate)) {
                chain = List.copyOf(CertificateFactory.getInstance("X.509").generateCertificates(in));
            }
            if (chain.isEmpty()) {
                throw new IOException(certificate + " holds no certificate");
            }
            KeyStore store = KeyStore.getInstance("PKCS12");
            store.load(null, null);
            char[] password = new char[0];
            store.setKeyEntry("streaming", privateKey(key), password, chain.toArray(Certificate[]::new));
            KeyManagerFactory keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            keys.init(store, password);
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(keys.getKeyManagers(), null, null);
            return context.getServerSocketFactory();
        } catch (GeneralSecurityException e) {
            throw new IOException("streaming TLS from " + certificate + " and " + key + ": " + e.getMessage(), e);
        }
    }

    private static PrivateKey privateKey(Path key) throws IOException, GeneralSecurityException {
        String pem = Files.readString(key);
        Matcher matcher = PKCS8.matcher(pem);
        if (!matcher.find()) {
            throw new IOException(key + " holds no unencrypted PKCS#8 key (BEGIN PRIVATE KEY); convert it with"
                    + " 'openssl pkcs8 -topk8 -nocrypt'");
        }
        byte[] der = Base64.getMimeDecoder().decode(matcher.group(1));
        for (String algorithm : List.of("RSA", "EC", "Ed25519")) {
            try {
                return KeyFactory.getInstance(algorithm).generatePrivate(new PKCS8EncodedKeySpec(der));
            } catch (GeneralSecurityException notThisOne) {
                // Try the next algorithm: PKCS#8 names it inside, the JDK wants it named outside.
            }
        }
        throw new IOException(key + " holds a key that is neither RSA, EC nor Ed25519");
    }
}
