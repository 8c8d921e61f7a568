package dev.jcri.server.rpc.image;

import dev.jcri.image.store.ImageRecord;
import dev.jcri.image.store.ImageStore;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * The images kubelet's image garbage collector must keep (the CRI's {@code Image.pinned}): the pause image and the
 * config's {@code image.pinned_images}. An exact name is resolved as any image reference is (so {@code pause:3.10}
 * finds the image pulled as {@code docker.io/library/pause:3.10}); {@code prefix*} matches the image's names as
 * ListImages shows them, repo tags and digests. Pinning only informs kubelet: RemoveImage still removes a pinned
 * image when asked directly, as CRI-O does.
 */
public final class PinnedImages {
    private final List<String> exact = new ArrayList<>();
    private final List<String> prefixes = new ArrayList<>();

    /** @param pauseImage the infra container's image; empty for none */
    public PinnedImages(String pauseImage, List<String> patterns) {
        if (!pauseImage.isBlank()) {
            exact.add(pauseImage.strip());
        }
        for (String pattern : patterns) {
            String p = pattern.strip();
            if (p.endsWith("*")) {
                prefixes.add(p.substring(0, p.length() - 1));
            } else if (!p.isEmpty()) {
                exact.add(p);
            }
        }
    }

    public boolean pinned(ImageRecord record, ImageStore store) {
        for (String name : exact) {
            if (store.find(name).map(found -> found.id().equals(record.id())).orElse(false)) {
                return true;
            }
        }
        return matchesPrefix(Stream.concat(record.repoTags().stream(), record.repoDigests().stream())
                .toList());
    }

    /** Whether one of the image's names starts with one of the prefixes. */
    boolean matchesPrefix(List<String> names) {
        return names.stream().anyMatch(name -> prefixes.stream().anyMatch(name::startsWith));
    }
}
