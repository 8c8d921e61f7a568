package dev.jcri.cni;

import dev.jcri.linux.AtomicFile;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Finds the node's network config in the configured conf dirs.
 *
 * <p>The conf dirs are searched in the order given; within a dir, {@code *.conflist}, {@code *.conf} and
 * {@code *.json} files are taken in byte-wise name order (libcni's order, so an operator's {@code 10-} file beats
 * a {@code 99-} one). The first file that parses, validates and whose plugins are all installed wins; a broken
 * file is skipped with a warning, as containerd and CRI-O do, so that a stray file does not take the node down.
 *
 * <p>Every {@link #find()} rescans the dirs, so a config dropped in (or a plugin installed) later is picked up
 * without a restart; files whose mtime, size and inode are unchanged are not re-parsed.
 */
public final class CniConfigDirectory {
    /** The file {@link #writeDefaultIfNone} writes. */
    public static final String DEFAULT_FILE_NAME = "10-jcri-bridge.conflist";

    private static final Logger log = LoggerFactory.getLogger(CniConfigDirectory.class);
    private static final List<String> EXTENSIONS = List.of(".conflist", ".conf", ".json");
    private static final long MAX_CONFIG_BYTES = 1 << 20;
    private static final Comparator<Path> BYTEWISE_BY_NAME = (a, b) -> Arrays.compareUnsigned(
            a.getFileName().toString().getBytes(StandardCharsets.UTF_8),
            b.getFileName().toString().getBytes(StandardCharsets.UTF_8));

    private final List<Path> confDirs;
    private final CniPluginPath pluginPath;
    private final Map<Path, ParsedFile> parsedFiles = new HashMap<>();
    private Set<String> loggedWarnings = Set.of();
    private Path loggedChoice;

    private record ParsedFile(FileTime mtime, long size, Object fileKey, CniNetworkConfig config, String error) {
        boolean matches(BasicFileAttributes attributes) {
            return mtime.equals(attributes.lastModifiedTime())
                    && size == attributes.size()
                    && Objects.equals(fileKey, attributes.fileKey());
        }
    }

    public CniConfigDirectory(List<Path> confDirs, List<Path> binDirs) {
        this(confDirs, new CniPluginPath(binDirs));
    }

    public CniConfigDirectory(List<Path> confDirs, CniPluginPath pluginPath) {
        this.confDirs = List.copyOf(confDirs);
        if (this.confDirs.isEmpty()) {
            throw new IllegalArgumentException("no CNI conf dirs");
        }
        this.pluginPath = pluginPath;
    }

    public List<Path> confDirs() {
        return confDirs;
    }

    public CniPluginPath pluginPath() {
        return pluginPath;
    }

    /** Looks for the network config now; cheap enough to call on every Status and RunPodSandbox. */
    public synchronized CniConfigLookup find() {
        List<String> problems = new ArrayList<>();
        List<Path> files = candidateFiles(confDirs, problems);
        List<String> warnings = new ArrayList<>();
        CniNetworkConfig chosen = null;
        for (Path file : files) {
            ParsedFile parsed = parse(file);
            if (parsed.error() != null) {
                problems.add(file + ": " + parsed.error());
                continue;
            }
            CniNetworkConfig config = parsed.config();
            Optional<String> missing = config.pluginTypes().stream()
                    .filter(type -> pluginPath.find(type).isEmpty())
                    .findFirst();
            if (missing.isPresent()) {
                problems.add(file + ": " + pluginPath.notFound(missing.get()));
                continue;
            }
            chosen = config;
            break;
        }
        // Forget files that are gone, so the cache stays as small as the dirs.
        parsedFiles.keySet().retainAll(Set.copyOf(files));
        warnings.addAll(problems);
        if (chosen != null && chosen.cniVersion().isLegacy()) {
            warnings.add(chosen.source() + ": cniVersion " + chosen.cniVersion()
                    + " is a legacy version: no CHECK, and DEL gets no prevResult");
        }
        report(warnings, chosen);
        if (chosen != null) {
            return CniConfigLookup.found(chosen, warnings);
        }
        String reason = files.isEmpty()
                ? "no CNI network config (*.conflist, *.conf, *.json) found in " + describeDirs()
                : "no usable CNI network config in " + describeDirs() + ": " + String.join("; ", problems);
        return CniConfigLookup.missing(reason, warnings);
    }

    /**
     * Writes jcri's default conflist into {@code confDir} when no conf dir (nor {@code confDir}) holds any
     * config file at all, so a fresh node works out of the box. A broken operator file counts as a config:
     * replacing the operator's intent with a bridge would be worse than reporting NetworkReady=false.
     *
     * @return whether it wrote the file
     */
    public synchronized boolean writeDefaultIfNone(Path confDir, DefaultNetwork params) throws IOException {
        Set<Path> dirs = new LinkedHashSet<>(confDirs);
        dirs.add(confDir);
        List<Path> existing = candidateFiles(List.copyOf(dirs), new ArrayList<>());
        if (!existing.isEmpty()) {
            log.debug("CNI config present, default not written: file={}", existing.getFirst());
            return false;
        }
        Files.createDirectories(confDir);
        Path target = confDir.resolve(DEFAULT_FILE_NAME);
        AtomicFile.write(target, params.toConflistBytes(), "rw-r--r--");
        log.info(
                "wrote default CNI config: file={} network={} bridge={} subnets={}",
                target,
                params.networkName(),
                params.bridgeName(),
                params.subnets());
        return true;
    }

    private static List<Path> candidateFiles(List<Path> dirs, List<String> problems) {
        List<Path> files = new ArrayList<>();
        for (Path dir : dirs) {
            if (!Files.isDirectory(dir)) {
                continue;
            }
            List<Path> inDir = new ArrayList<>();
            try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
                for (Path entry : entries) {
                    String name = entry.getFileName().toString();
                    if (EXTENSIONS.stream().anyMatch(name::endsWith) && Files.isRegularFile(entry)) {
                        inDir.add(entry);
                    }
                }
            } catch (IOException e) {
                problems.add(dir + ": cannot list: " + e.getMessage());
                continue;
            }
            inDir.sort(BYTEWISE_BY_NAME);
            files.addAll(inDir);
        }
        return files;
    }

    private ParsedFile parse(Path file) {
        BasicFileAttributes attributes;
        try {
            attributes = Files.readAttributes(file, BasicFileAttributes.class);
        } catch (IOException e) {
            return new ParsedFile(FileTime.fromMillis(0), -1, null, null, "cannot read: " + e.getMessage());
        }
        ParsedFile cached = parsedFiles.get(file);
        if (cached != null && cached.matches(attributes)) {
            return cached;
        }
        CniNetworkConfig config = null;
        String error = null;
        try {
            if (attributes.size() > MAX_CONFIG_BYTES) {
                throw new CniConfigException("is larger than " + MAX_CONFIG_BYTES + " bytes");
            }
            byte[] bytes = Files.readAllBytes(file);
            config = file.getFileName().toString().endsWith(".conflist")
                    ? CniNetworkConfig.parseConflist(bytes, file)
                    : CniNetworkConfig.parseSinglePlugin(bytes, file);
        } catch (CniConfigException e) {
            error = e.getMessage();
        } catch (IOException e) {
            error = "cannot read: " + e.getMessage();
        }
        ParsedFile parsed =
                new ParsedFile(attributes.lastModifiedTime(), attributes.size(), attributes.fileKey(), config, error);
        parsedFiles.put(file, parsed);
        return parsed;
    }

    /** Logs each problem once while it persists, not on every kubelet Status poll. */
    private void report(List<String> warnings, CniNetworkConfig chosen) {
        for (String warning : warnings) {
            if (!loggedWarnings.contains(warning)) {
                log.warn("CNI config skipped or questionable: {}", warning);
            }
        }
        loggedWarnings = Set.copyOf(warnings);
        Path choice = chosen == null ? null : chosen.source();
        if (!Objects.equals(choice, loggedChoice)) {
            if (chosen != null) {
                log.info(
                        "using CNI network: name={} cniVersion={} plugins={} file={}",
                        chosen.name(),
                        chosen.cniVersion(),
                        chosen.pluginTypes(),
                        choice);
            } else {
                log.warn("no usable CNI network config in {}", describeDirs());
            }
            loggedChoice = choice;
        }
    }

    private String describeDirs() {
        return confDirs.stream()
                .map(dir -> Files.isDirectory(dir) ? dir.toString() : dir + " (missing)")
                .collect(Collectors.joining(", "));
    }
}
