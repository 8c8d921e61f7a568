package dev.jcri.e2e.registry;

/**
 * A built layer: its stored blob (compressed bytes, their digest and size, the media type), the {@code diff_id}
 * (sha256 of the uncompressed tar, as listed in the config's {@code rootfs.diff_ids}), and the tar itself.
 */
public record Layer(Blob blob, String diffId, byte[] tar, Compression compression, String createdBy) {
    public String digest() {
        return blob.digest();
    }

    public long size() {
        return blob.size();
    }

    @Override
    public String toString() {
        return "Layer[" + blob + ", diffId " + diffId + "]";
    }
}
