package dev.jcri.image.registryconfig;

import dev.jcri.image.DockerHub;
import dev.jcri.image.ImageReference;
import dev.jcri.image.InvalidReferenceException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * The registries configuration in containers-registries.conf(5) version 2 format, as CRI-O and Podman use
 * it: where images are pulled from (mirrors, relocations), which registries are insecure or blocked, and
 * which registries a short name is searched in.
 *
 * <p>Loaded from a main file plus every {@code *.conf} in the sibling {@value #DROP_IN_DIR} directory, in
 * file-name order. A drop-in's {@code [[registry]]} replaces an earlier one with the same prefix, and its
 * {@code unqualified-search-registries}, when set, replaces the earlier list.
 */
public final class RegistriesConfig {
    public static final Path DEFAULT_FILE = Path.of("/etc/containers/registries.conf");
    public static final String DROP_IN_DIR = "registries.conf.d";

    private static final RegistriesConfig EMPTY = new RegistriesConfig(List.of(), List.of());

    private final List<String> searchRegistries;
    private final List<RegistryRule> rules;

    private RegistriesConfig(List<String> searchRegistries, List<RegistryRule> rules) {
        this.searchRegistries = List.copyOf(searchRegistries);
        this.rules = List.copyOf(rules);
    }

    public static RegistriesConfig empty() {
        return EMPTY;
    }

    /**
     * Loads {@code mainFile} and the drop-ins beside it. A missing main file counts as empty, as for CRI-O:
     * a node without registries.conf pulls from where references say.
     */
    public static RegistriesConfig load(Path mainFile) throws IOException {
        return load(mainFile, mainFile.resolveSibling(DROP_IN_DIR));
    }

    public static RegistriesConfig load(Path mainFile, Path dropInDir) throws IOException {
        List<Path> files = new ArrayList<>();
        if (Files.exists(mainFile)) {
            files.add(mainFile);
        }
        if (Files.isDirectory(dropInDir)) {
            try (Stream<Path> entries = Files.list(dropInDir)) {
                entries.filter(p -> p.getFileName().toString().endsWith(".conf"))
                        .filter(p -> Files.isRegularFile(p))
                        .sorted((a, b) -> a.getFileName()
                                .toString()
                                .compareTo(b.getFileName().toString()))
                        .forEach(files::add);
            }
        }
        List<String> search = List.of();
        Map<String, RegistryRule> rules = new LinkedHashMap<>();
        for (Path file : files) {
            RegistriesFile parsed = RegistriesFile.read(file);
            if (parsed.searchRegistries() != null) {
                search = parsed.searchRegistries();
            }
            for (RegistryRule rule : parsed.rules()) {
                rules.put(rule.prefix().value(), rule);
            }
        }
        return new RegistriesConfig(search, new ArrayList<>(rules.values()));
    }

    /** The registries a short name is tried in, in order, as configured (possibly empty). */
    public List<String> unqualifiedSearchRegistries() {
        return searchRegistries;
    }

    public List<RegistryRule> registries() {
        return rules;
    }

    /** The {@code [[registry]]} with the longest prefix matching the reference, if any. */
    public Optional<RegistryRule> ruleFor(ImageReference reference) {
        String written = reference.toString();
        RegistryRule best = null;
        for (RegistryRule rule : rules) {
            if (rule.prefix().matchedLength(written) >= 0
                    && (best == null
                            || rule.prefix().value().length()
                                    > best.prefix().value().length())) {
                best = rule;
            }
        }
        return Optional.ofNullable(best);
    }

    /**
     * Where to pull {@code reference} from, in order: the mirrors of the matching {@code [[registry]]} (those
     * that serve this kind of pull), then the registry itself at its configured location.
     *
     * @throws BlockedRegistryException when the matching {@code [[registry]]} is blocked
     * @throws InvalidReferenceException when a configured location rewrites the reference into an invalid one
     */
    public List<Endpoint> pullSources(ImageReference reference) throws BlockedRegistryException {
        Optional<RegistryRule> match = ruleFor(reference);
        if (match.isEmpty()) {
            return List.of(new Endpoint(reference, false, false));
        }
        RegistryRule rule = match.get();
        if (rule.blocked()) {
            throw new BlockedRegistryException(
                    reference.toString(), reference.registry(), rule.prefix().value(), rule.source());
        }
        List<Endpoint> endpoints = new ArrayList<>();
        for (Mirror mirror : rule.mirrorsFor(reference.digest() != null)) {
            endpoints.add(new Endpoint(rewrite(reference, rule, mirror.location()), mirror.insecure(), true));
        }
        endpoints.add(new Endpoint(rewrite(reference, rule, rule.location()), rule.insecure(), false));
        return List.copyOf(endpoints);
    }

    private static ImageReference rewrite(ImageReference reference, RegistryRule rule, String location) {
        String rewritten = rule.prefix().rewrite(reference.toString(), location);
        try {
            return ImageReference.parse(rewritten);
        } catch (InvalidReferenceException e) {
            throw new InvalidReferenceException(
                    rewritten,
                    e.problem() + " (rewritten from " + reference + " by [[registry]] prefix \"" + rule.prefix()
                            + "\" in " + rule.source() + ")");
        }
    }

    /**
     * The fully qualified references a user-written name may mean, in the order to try them: the name itself
     * when it names a registry, else the name in each unqualified-search registry.
     *
     * <p>With no search registries configured jcri uses docker.io, where CRI-O would fail: kubelet and pod
     * specs expect {@code busybox} to mean Docker Hub's image.
     *
     * @throws InvalidReferenceException when the name does not parse
     */
    public List<ImageReference> candidatesFor(String name) {
        return candidatesFor(ImageReference.parse(name));
    }

    public List<ImageReference> candidatesFor(ImageReference reference) {
        if (!reference.isShortName()) {
            return List.of(reference);
        }
        List<String> registries = searchRegistries.isEmpty() ? List.of(DockerHub.DOMAIN) : searchRegistries;
        return registries.stream().map(reference::inRegistry).toList();
    }
}
