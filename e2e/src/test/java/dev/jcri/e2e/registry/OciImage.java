package dev.jcri.e2e.registry;

import java.util.ArrayList;
import java.util.List;

/**
 * A built image: config blob, layers and manifest, ready for {@link RegistryPusher#push(String, String, OciImage)}.
 * {@link #digest()} is what a registry reports as the manifest digest; {@link #configDigest()} is the image ID.
 */
public record OciImage(ManifestFormat format, Platform platform, Blob config, List<Layer> layers, Blob manifest) {
    public OciImage {
        layers = List.copyOf(layers);
    }

    /** The manifest digest. */
    public String digest() {
        return manifest.digest();
    }

    public String mediaType() {
        return manifest.mediaType();
    }

    /** The image ID. */
    public String configDigest() {
        return config.digest();
    }

    public List<String> diffIds() {
        return layers.stream().map(Layer::diffId).toList();
    }

    /** Config then layer blobs: everything a registry must hold before the manifest is pushed. */
    public List<Blob> blobs() {
        List<Blob> all = new ArrayList<>();
        all.add(config);
        layers.forEach(l -> all.add(l.blob()));
        return all;
    }

    public Layer layer(int index) {
        return layers.get(index);
    }

    public String configJson() {
        return config.text();
    }

    public String manifestJson() {
        return manifest.text();
    }
}
