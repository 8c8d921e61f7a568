package dev.jcri.cni;

import dev.jcri.linux.AtomicFile;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Each attachment's config and ADD result on disk, at {@code <cacheDir>/results/<network>-<containerId>-<ifName>}
 * (libcni's layout), so that DEL runs the plugins that ADD ran, with ADD's result as prevResult, even after the
 * operator changed the config or jcri restarted. The entry is written before ADD runs (config only) and again
 * with the result, so a crash in the middle of ADD still leaves what DEL needs.
 */
public final class CniResultCache {
    private static final Logger log = LoggerFactory.getLogger(CniResultCache.class);
    private static final String KIND = "jcri-cni-cache-v1";

    private final Path resultsDir;

    /**
     * One attachment's record.
     *
     * @param config         the network config (conflist form) ADD ran with
     * @param capabilityArgs the capability args ADD got, so DEL hands portmap the same mappings
     * @param result         the final ADD result, or null while (or if) ADD did not complete
     */
    public record Entry(
            String networkName,
            String containerId,
            String ifName,
            ObjectNode config,
            ObjectNode capabilityArgs,
            JsonNode result) {
        public Entry {
            config = config.deepCopy();
            capabilityArgs = capabilityArgs.deepCopy();
            result = result == null || result.isNull() ? null : result.deepCopy();
        }

        public Entry withResult(JsonNode addResult) {
            return new Entry(networkName, containerId, ifName, config, capabilityArgs, addResult);
        }
    }

    public CniResultCache(Path cacheDir) {
        this.resultsDir = cacheDir.resolve("results");
    }

    public Path resultsDir() {
        return resultsDir;
    }

    /** Writes the entry durably: before an ADD, it is the write-ahead record of what the plugins are about to make. */
    public void store(Entry entry) throws CniException {
        write(entry, true);
    }

    /**
     * Replaces the entry {@link #store} wrote with the one that holds ADD's result, without the fsync of the
     * directory: a crash of the node that takes the rename back leaves the entry without a result, which DEL
     * handles as after a failed ADD (it runs without {@code prevResult}).
     */
    public void update(Entry entry) throws CniException {
        write(entry, false);
    }

    private void write(Entry entry, boolean durable) throws CniException {
        ObjectNode json = CniJson.newObject();
        json.put("kind", KIND);
        json.put("networkName", entry.networkName());
        json.put("containerId", entry.containerId());
        json.put("ifName", entry.ifName());
        json.set("config", entry.config());
        json.set("capabilityArgs", entry.capabilityArgs());
        if (entry.result() != null) {
            json.set("result", entry.result());
        }
        Path file = file(entry.networkName(), entry.containerId(), entry.ifName());
        try {
            // The config may carry credentials (e.g. an API token for a network daemon): root only.
            Files.createDirectories(
                    resultsDir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            if (durable) {
                AtomicFile.write(file, CniJson.bytes(json), "rw-------");
            } else {
                AtomicFile.replace(file, CniJson.bytes(json), "rw-------");
            }
        } catch (IOException e) {
            throw new CniException("cannot write CNI cache entry " + file + ": " + e.getMessage(), e);
        }
    }

    /** The entry, or empty if there is none (or it is unreadable, which is logged: DEL must still go on). */
    public Optional<Entry> load(String networkName, String containerId, String ifName) {
        return read(file(networkName, containerId, ifName));
    }

    public void remove(String networkName, String containerId, String ifName) throws CniException {
        Path file = file(networkName, containerId, ifName);
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            throw new CniException("cannot remove CNI cache entry " + file + ": " + e.getMessage(), e);
        }
    }

    /** Every attachment cached for a container, whatever network it was made with. */
    public List<Entry> entriesFor(String containerId) {
        List<Entry> entries = new ArrayList<>();
        String marker = "-" + containerId + "-";
        try (DirectoryStream<Path> files = Files.newDirectoryStream(resultsDir)) {
            for (Path file : files) {
                String name = file.getFileName().toString();
                // Network names may hold '-', so the file name only preselects; the content decides.
                if (!name.startsWith(".") && name.contains(marker)) {
                    read(file).filter(e -> e.containerId().equals(containerId)).ifPresent(entries::add);
                }
            }
        } catch (NoSuchFileException e) {
            return List.of();
        } catch (IOException e) {
            log.warn("cannot list CNI cache: dir={} error={}", resultsDir, e.getMessage());
        }
        return entries;
    }

    /** The container (for jcri: sandbox) IDs that have at least one readable entry. */
    public Set<String> containerIds() {
        Set<String> ids = new TreeSet<>();
        try (DirectoryStream<Path> files = Files.newDirectoryStream(resultsDir)) {
            for (Path file : files) {
                if (!file.getFileName().toString().startsWith(".")) {
                    read(file).ifPresent(e -> ids.add(e.containerId()));
                }
            }
        } catch (NoSuchFileException e) {
            return ids;
        } catch (IOException e) {
            log.warn("cannot list CNI cache: dir={} error={}", resultsDir, e.getMessage());
        }
        return ids;
    }

    private Optional<Entry> read(Path file) {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException e) {
            log.warn("cannot read CNI cache entry: file={} error={}", file, e.getMessage());
            return Optional.empty();
        }
        try {
            ObjectNode json = CniJson.parseObject(bytes);
            if (!KIND.equals(CniJson.string(json, "kind")) || !(json.get("config") instanceof ObjectNode config)) {
                throw new CniJson.NotAnObject("not a " + KIND + " entry");
            }
            String network = CniJson.string(json, "networkName");
            String container = CniJson.string(json, "containerId");
            String ifName = CniJson.string(json, "ifName");
            if (network == null || container == null || ifName == null) {
                throw new CniJson.NotAnObject("entry lacks networkName, containerId or ifName");
            }
            ObjectNode capabilityArgs =
                    json.get("capabilityArgs") instanceof ObjectNode args ? args : CniJson.newObject();
            return Optional.of(new Entry(network, container, ifName, config, capabilityArgs, json.get("result")));
        } catch (CniJson.NotAnObject e) {
            log.warn("ignoring corrupt CNI cache entry: file={} error={}", file, e.getMessage());
            return Optional.empty();
        }
    }

    private Path file(String networkName, String containerId, String ifName) {
        if ((networkName + containerId + ifName).contains("/")) {
            throw new IllegalArgumentException(
                    "'/' in CNI cache key " + networkName + ", " + containerId + ", " + ifName);
        }
        return resultsDir.resolve(networkName + "-" + containerId + "-" + ifName);
    }
}
