package dev.jcri.cni;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;

/** The ordered bin dirs plugins are looked up in; also what plugins get as {@code CNI_PATH}. */
public record CniPluginPath(List<Path> binDirs) {
    public CniPluginPath {
        binDirs = List.copyOf(binDirs);
        if (binDirs.isEmpty()) {
            throw new IllegalArgumentException("no CNI bin dirs");
        }
    }

    /** The first executable named {@code type} in the bin dirs, looked up afresh so later installs count. */
    public Optional<Path> find(String type) {
        for (Path dir : binDirs) {
            Path candidate = dir.resolve(type);
            if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
                return Optional.of(candidate);
            }
        }
        return Optional.empty();
    }

    public Path require(String type) throws CniException {
        return find(type).orElseThrow(() -> new CniException(notFound(type)));
    }

    String notFound(String type) {
        return "CNI plugin \"" + type + "\" not found in " + describe();
    }

    /** The {@code CNI_PATH} value: delegating plugins (e.g. bridge calling host-local) search it. */
    public String cniPath() {
        return binDirs.stream().map(Path::toString).collect(Collectors.joining(":"));
    }

    String describe() {
        return binDirs.stream().map(Path::toString).collect(Collectors.joining(", "));
    }
}
