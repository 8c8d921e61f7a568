package dev.jcri.image.distribution;

import dev.jcri.image.Digest;

/** A manifest or index as the registry served it, verified against its digest. */
public record FetchedManifest(String mediaType, Digest digest, byte[] body) {}
