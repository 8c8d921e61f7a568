package dev.jcri.image.store;

import java.util.List;

/**
 * One image in the store, as persisted in {@code images/<id hex>.json}.
 *
 * @param id the config digest ({@code sha256:...}), which is the image ID kubelet sees
 * @param repoTags normalized {@code registry/repository:tag} names
 * @param repoDigests {@code registry/repository@sha256:...} of the manifest (or index) it was pulled by
 * @param manifestDigest the platform manifest the layers came from
 * @param layers chain IDs, bottom layer first
 * @param size compressed bytes of config and layers, as registries and kubelet count image size
 * @param updated epoch nanoseconds of the last change; the newer record wins a tag both claim after a crash
 */
public record ImageRecord(
        String id,
        List<String> repoTags,
        List<String> repoDigests,
        String manifestDigest,
        List<String> layers,
        long size,
        ImageConfigSummary config,
        long updated) {

    public ImageRecord {
        repoTags = List.copyOf(repoTags);
        repoDigests = List.copyOf(repoDigests);
        layers = List.copyOf(layers);
    }

    public String idHex() {
        return id.substring(id.indexOf(':') + 1);
    }

    ImageRecord withNames(List<String> tags, List<String> digests, long now) {
        return new ImageRecord(id, tags, digests, manifestDigest, layers, size, config, now);
    }
}
