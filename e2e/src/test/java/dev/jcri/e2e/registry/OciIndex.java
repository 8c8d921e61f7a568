package dev.jcri.e2e.registry;

import java.util.List;

/** A built multi-platform index: an OCI image index or a Docker manifest list, and the manifests it names. */
public record OciIndex(ManifestFormat format, List<OciImage> manifests, Blob index) {
    public OciIndex {
        manifests = List.copyOf(manifests);
    }

    public String digest() {
        return index.digest();
    }

    public String mediaType() {
        return index.mediaType();
    }

    public String json() {
        return index.text();
    }

    /** The manifest for {@code platform}, or an exception naming the platforms there are. */
    public OciImage manifest(Platform platform) {
        return manifests.stream()
                .filter(m -> m.platform().equals(platform))
                .findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no " + platform + " in "
                        + manifests.stream().map(OciImage::platform).toList()));
    }
}
