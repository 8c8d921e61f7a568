package dev.jcri.server;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;

/** The version and git commit Maven stamped into the jar. */
public final class JcriVersion {
    public static final String RUNTIME_NAME = "jcri";
    /** The CRI API version jcri implements, as kubelet expects to read it from Version. */
    public static final String CRI_API_VERSION = "v1";
    /** The kubelet-facing "version" field: the API of the Version RPC itself, which upstream keeps at 0.1.0. */
    public static final String KUBELET_API_VERSION = "0.1.0";

    private static final Properties STAMP = load();

    private JcriVersion() {}

    /** The release and the commit it was built from, as {@code 0.1.0+abc1234} (semver build metadata). */
    public static String version() {
        String version = STAMP.getProperty("version", "unknown");
        String commit = commit();
        return commit.equals("unknown") ? version : version + "+" + commit;
    }

    /** The short git commit the build came from, {@code unknown} when it was built outside git. */
    public static String commit() {
        String commit = STAMP.getProperty("commit", "").strip();
        // An unfiltered placeholder means a build that bypassed Maven's resource filtering (an IDE).
        return commit.isEmpty() || commit.startsWith("${") ? "unknown" : commit;
    }

    private static Properties load() {
        Properties properties = new Properties();
        try (InputStream in = JcriVersion.class.getResourceAsStream("version.properties")) {
            if (in != null) {
                properties.load(in);
            }
        } catch (IOException e) {
            // Unstamped: version() says "unknown".
        }
        return properties;
    }
}
