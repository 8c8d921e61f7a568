package dev.jcri.server;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;

/** The version Maven stamped into the jar. */
public final class JcriVersion {
    public static final String RUNTIME_NAME = "jcri";
    /** The CRI API version jcri implements, as kubelet expects to read it from Version. */
    public static final String CRI_API_VERSION = "v1";
    /** The kubelet-facing "version" field: the API of the Version RPC itself, which upstream keeps at 0.1.0. */
    public static final String KUBELET_API_VERSION = "0.1.0";

    private static final String VERSION = load();

    private JcriVersion() {}

    public static String version() {
        return VERSION;
    }

    private static String load() {
        try (InputStream in = JcriVersion.class.getResourceAsStream("version.properties")) {
            Properties properties = new Properties();
            if (in != null) {
                properties.load(in);
            }
            return properties.getProperty("version", "unknown");
        } catch (IOException e) {
            return "unknown";
        }
    }
}
