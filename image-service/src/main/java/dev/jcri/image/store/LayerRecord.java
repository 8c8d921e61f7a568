package dev.jcri.image.store;

/**
 * One unpacked layer, kept in {@code layers/<chain id hex>/layer.json} beside its {@code diff} directory.
 *
 * @param chainId identifies the layer together with every layer below it (OCI image spec "ChainID")
 * @param diffId sha256 of the uncompressed layer tar
 * @param parent the chain ID of the layer below, empty for the bottom layer
 * @param compressedDigest the blob it was unpacked from
 * @param compressedSize that blob's size
 */
public record LayerRecord(String chainId, String diffId, String parent, String compressedDigest, long compressedSize) {}
