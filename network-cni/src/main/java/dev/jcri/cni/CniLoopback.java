package dev.jcri.cni;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * Brings up a pod's {@code lo} with the {@code loopback} plugin.
 *
 * <p>jcri owns {@code lo} rather than expecting it in the operator's conflist: CNI network configs are about the
 * pod's cluster interface and never list loopback, so containerd and CRI-O run it themselves for every pod; jcri
 * does the same, outside any conflist and the result cache. There is no matching DEL: {@code lo} holds nothing on
 * the host and goes away with the namespace (the plugin's DEL would only set it down).
 *
 * <p>The config's cniVersion is negotiated with the installed binary (VERSION) once per binary, so any
 * loopback from 0.3.x-era to current plugin releases works.
 */
public final class CniLoopback {
    static final String TYPE = "loopback";
    private static final String NETWORK_NAME = "cni-loopback";
    private static final Logger log = LoggerFactory.getLogger(CniLoopback.class);

    private final CniPluginRunner runner;
    private Negotiated negotiated;

    private record Negotiated(Path binary, FileTime mtime, CniVersion version) {}

    public CniLoopback(CniPluginRunner runner) {
        this.runner = runner;
    }

    /** Sets {@code lo} up in {@code rt}'s network namespace (the interface name in {@code rt} is ignored). */
    public void up(CniRuntimeConf rt) throws CniException {
        ObjectNode config = CniJson.newObject();
        config.put("cniVersion", version().toString());
        config.put("name", NETWORK_NAME);
        config.put("type", TYPE);
        runner.run(TYPE, CniCommand.ADD, rt.withIfName("lo").cniVariables(), CniJson.bytes(config));
    }

    synchronized CniVersion version() throws CniException {
        Path binary = runner.pluginPath().require(TYPE);
        FileTime mtime;
        try {
            mtime = Files.getLastModifiedTime(binary);
        } catch (IOException e) {
            throw new CniException("cannot stat " + binary + ": " + e.getMessage(), e);
        }
        if (negotiated != null
                && negotiated.binary().equals(binary)
                && negotiated.mtime().equals(mtime)) {
            return negotiated.version();
        }
        ObjectNode request = CniJson.newObject();
        request.put("cniVersion", CniVersion.V1_0_0.toString());
        byte[] out = runner.run(TYPE, CniCommand.VERSION, Map.of(), CniJson.bytes(request));
        CniVersion best;
        try {
            best = CniJson.strings(CniJson.parseObject(out), "supportedVersions").stream()
                    .flatMap(v -> CniVersion.parse(v).stream())
                    .filter(v -> v.isSupported() || v.isLegacy())
                    .max(CniVersion::compareTo)
                    .orElseThrow(() -> CniPluginException.badOutput(
                            TYPE, CniCommand.VERSION, "supports no CNI version jcri speaks", CniJson.snippet(out)));
        } catch (CniJson.NotAnObject e) {
            throw CniPluginException.badOutput(
                    TYPE,
                    CniCommand.VERSION,
                    "returned unreadable versions (" + e.getMessage() + ")",
                    CniJson.snippet(out));
        }
        log.debug("loopback plugin version negotiated: binary={} cniVersion={}", binary, best);
        negotiated = new Negotiated(binary, mtime, best);
        return best;
    }
}
