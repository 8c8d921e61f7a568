package dev.jcri.image.pull;

import dev.jcri.image.Digest;
import dev.jcri.image.ImageReference;
import dev.jcri.image.distribution.Descriptor;
import dev.jcri.image.distribution.FetchedManifest;
import dev.jcri.image.distribution.MediaTypes;
import dev.jcri.image.distribution.PlatformSelector;
import dev.jcri.image.distribution.RegistryClient;
import dev.jcri.image.distribution.RegistryCredentials;
import dev.jcri.image.distribution.RegistryException;
import dev.jcri.image.distribution.VerifyingInputStream;
import dev.jcri.image.registryconfig.BlockedRegistryException;
import dev.jcri.image.registryconfig.Endpoint;
import dev.jcri.image.registryconfig.RegistriesConfig;
import dev.jcri.image.store.ChainId;
import dev.jcri.image.store.ImageConfigSummary;
import dev.jcri.image.store.ImageRecord;
import dev.jcri.image.store.ImageStore;
import dev.jcri.image.store.LayerRecord;
import dev.jcri.image.unpack.InvalidLayerException;
import dev.jcri.image.unpack.LayerUnpacker;
import dev.jcri.image.unpack.UnpackSummary;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Pulls an image into the store: resolve the name (short names over the search registries), try the mirrors and
 * then the registry, pick the node's platform from an index, fetch the config, then download-and-unpack the
 * missing layers in parallel, and make the image visible only when everything is in place.
 */
public final class ImagePuller {
    private static final Logger log = LoggerFactory.getLogger(ImagePuller.class);
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final int MAX_CONFIG_BYTES = 8 << 20;

    private final RegistryClient client;
    private final Supplier<RegistriesConfig> registries;
    private final ImageStore store;
    private final PlatformSelector platforms;
    private final LayerFetches fetches;
    private final ProgressTimeout progress;

    /** No progress timeout. */
    public ImagePuller(
            RegistryClient client,
            Supplier<RegistriesConfig> registries,
            ImageStore store,
            PlatformSelector platforms,
            int maxParallelLayers) {
        this(client, registries, store, platforms, maxParallelLayers, Duration.ZERO);
    }

    /** @param progressTimeout a blob download that receives no bytes this long fails the pull; zero: never */
    public ImagePuller(
            RegistryClient client,
            Supplier<RegistriesConfig> registries,
            ImageStore store,
            PlatformSelector platforms,
            int maxParallelLayers,
            Duration progressTimeout) {
        this.client = client;
        this.registries = registries;
        this.store = store;
        this.platforms = platforms;
        this.fetches = new LayerFetches(maxParallelLayers);
        this.progress = new ProgressTimeout(progressTimeout);
    }

    /**
     * @throws dev.jcri.image.InvalidReferenceException for a name that does not parse
     * @throws BlockedRegistryException when registries.conf blocks the registry
     * @throws RegistryException when no source could serve the image (the last source's failure)
     */
    public PullOutcome pull(String image, RegistryCredentials credentials)
            throws IOException, InterruptedException, BlockedRegistryException {
        long start = System.nanoTime();
        ImageReference requested = ImageReference.parse(image);
        List<ImageReference> candidates = registries.get().candidatesFor(requested);
        RegistryException notFound = null;
        for (ImageReference candidate : candidates) {
            try {
                PullOutcome outcome = pullReference(candidate, credentials, start);
                logPull(outcome);
                return outcome;
            } catch (RegistryException e) {
                // A short name tries the next search registry only when this one lacks the image.
                if (e.kind() != RegistryException.Kind.NOT_FOUND || candidates.size() == 1) {
                    throw e;
                }
                notFound = notFound == null ? e : notFound;
            }
        }
        throw notFound;
    }

    private PullOutcome pullReference(ImageReference reference, RegistryCredentials credentials, long start)
            throws IOException, InterruptedException, BlockedRegistryException {
        List<Endpoint> sources = registries.get().pullSources(reference);
        RegistryException failure = null;
        for (Endpoint source : sources) {
            try {
                return pullFrom(source, reference, credentials, start);
            } catch (RegistryException e) {
                if (source.mirror()) {
                    log.info(
                            "mirror failed, trying the next source image={} mirror={} error=\"{}\"",
                            reference,
                            source.host(),
                            e.getMessage());
                }
                failure = e;
            }
        }
        throw failure;
    }

    private PullOutcome pullFrom(Endpoint source, ImageReference reference, RegistryCredentials credentials, long start)
            throws IOException, InterruptedException {
        String tagOrDigest = reference.digest() != null ? reference.digest().toString() : reference.tag();
        FetchedManifest top = client.fetchManifest(source, tagOrDigest, credentials);
        FetchedManifest manifest = top;
        if (MediaTypes.isIndex(top.mediaType())) {
            Descriptor chosen = platforms.select(top.body());
            manifest = client.fetchManifest(source, chosen.digest().toString(), credentials);
        }
        if (!MediaTypes.isImageManifest(manifest.mediaType())) {
            throw new RegistryException(
                    RegistryException.Kind.BAD_CONTENT,
                    "image " + reference
                            + " has a manifest of media type \"" + manifest.mediaType() + "\", which jcri does not pull"
                            + " (OCI or Docker schema 2 manifests only)");
        }
        ParsedManifest parsed = ParsedManifest.parse(manifest.body(), reference.toString());
        ProgressTimeout.Watch configWatch =
                progress.watch("config " + parsed.config().digest() + " of " + reference);
        byte[] configBytes;
        try {
            configBytes = client.fetchBlob(
                    source,
                    parsed.config().digest(),
                    parsed.config().size(),
                    credentials,
                    MAX_CONFIG_BYTES,
                    configWatch::wrap);
        } catch (IOException | InterruptedException e) {
            RegistryException stalled = configWatch.stalledFailure(e);
            if (stalled != null) {
                throw stalled;
            }
            throw e;
        }
        JsonNode config = parseConfig(configBytes, reference);
        List<String> diffIds = new ArrayList<>();
        config.path("rootfs").path("diff_ids").forEach(d -> diffIds.add(d.asString("")));
        if (diffIds.size() != parsed.layers().size()) {
            throw new RegistryException(
                    RegistryException.Kind.BAD_CONTENT,
                    "image " + reference + " lists "
                            + parsed.layers().size() + " layers in its manifest but " + diffIds.size()
                            + " diff_ids in its config");
        }
        for (String diffId : diffIds) {
            Digest.parse(diffId);
        }
        List<String> chainIds = ChainId.of(diffIds);

        String owner = "pull-" + UUID.randomUUID();
        store.pin(owner, chainIds);
        boolean committed = false;
        try {
            List<LayerFetches.Claim> claims = new ArrayList<>();
            int reused = 0;
            for (int i = 0; i < chainIds.size(); i++) {
                String chainId = chainIds.get(i);
                if (store.hasLayer(chainId)) {
                    reused++;
                    continue;
                }
                Descriptor layer = parsed.layers().get(i);
                String diffId = diffIds.get(i);
                String parent = i == 0 ? "" : chainIds.get(i - 1);
                claims.add(fetches.claim(
                        chainId, () -> downloadLayer(source, layer, diffId, chainId, parent, credentials)));
            }
            long bytes = configBytes.length;
            try {
                for (LayerFetches.Claim claim : claims) {
                    bytes += claim.join();
                }
            } finally {
                claims.forEach(LayerFetches.Claim::release);
            }
            if (Thread.currentThread().isInterrupted()) {
                throw new InterruptedException("pull of " + reference + " cancelled");
            }
            Map<Digest, byte[]> blobs = new LinkedHashMap<>();
            blobs.put(parsed.config().digest(), configBytes);
            blobs.put(manifest.digest(), manifest.body());
            blobs.put(top.digest(), top.body());
            long size = configBytes.length
                    + parsed.layers().stream().mapToLong(Descriptor::size).sum();
            ImageRecord candidate = new ImageRecord(
                    parsed.config().digest().toString(),
                    List.of(),
                    List.of(),
                    manifest.digest().toString(),
                    chainIds,
                    size,
                    ImageConfigSummary.of(config),
                    0);
            String repoTag = reference.digest() == null ? reference.name() + ":" + reference.tag() : null;
            String repoDigest = reference.name() + "@" + top.digest();
            ImageRecord image = store.commit(candidate, repoTag, repoDigest, blobs);
            committed = true;
            return new PullOutcome(
                    image,
                    reference.toString(),
                    claims.size(),
                    reused,
                    bytes,
                    Duration.ofNanos(System.nanoTime() - start));
        } finally {
            store.unpin(owner);
            if (!committed) {
                // A failed pull stores nothing: layers it published that no image uses go again.
                store.collectGarbage();
            }
        }
    }

    /** Streams one layer blob through verification and decompression into a work dir, then publishes it. */
    private long downloadLayer(
            Endpoint source,
            Descriptor layer,
            String diffId,
            String chainId,
            String parent,
            RegistryCredentials credentials)
            throws IOException, InterruptedException {
        Path work = store.newWorkDir();
        boolean published = false;
        ProgressTimeout.Watch watch = progress.watch("layer " + layer.digest() + " from " + source.host());
        try {
            Path diff = work.resolve("diff");
            Files.createDirectories(diff);
            long fetched;
            try (VerifyingInputStream blob =
                    client.openBlob(source, layer.digest(), layer.size(), credentials, watch::wrap)) {
                UnpackSummary summary;
                try {
                    summary = LayerUnpacker.unpack(blob, diff);
                } catch (InvalidLayerException | RegistryException e) {
                    throw e;
                } catch (IOException e) {
                    // A decompressor fails before the digest check when the blob is corrupt; name the real cause.
                    blob.drainAndVerify();
                    throw new RegistryException(
                            RegistryException.Kind.BAD_CONTENT,
                            "layer " + layer.digest() + " cannot be unpacked: " + e.getMessage(),
                            e);
                }
                blob.drainAndVerify();
                fetched = blob.count();
                if (!summary.diffId().equals(diffId)) {
                    throw new RegistryException(
                            RegistryException.Kind.BAD_CONTENT,
                            "layer " + layer.digest()
                                    + " unpacks to content with digest " + summary.diffId()
                                    + ", but the image config says "
                                    + diffId);
                }
            }
            store.publishLayer(
                    work,
                    new LayerRecord(chainId, diffId, parent, layer.digest().toString(), layer.size()));
            published = true;
            return fetched;
        } catch (IOException | InterruptedException e) {
            RegistryException stalled = watch.stalledFailure(e);
            if (stalled != null) {
                throw stalled;
            }
            throw e;
        } finally {
            if (!published) {
                deleteQuietly(work);
            }
        }
    }

    private static JsonNode parseConfig(byte[] configBytes, ImageReference reference) throws RegistryException {
        try {
            JsonNode config = JSON.readTree(configBytes);
            if (!config.isObject()) {
                throw new IllegalArgumentException("not an object");
            }
            return config;
        } catch (RuntimeException e) {
            throw new RegistryException(
                    RegistryException.Kind.BAD_CONTENT,
                    "image " + reference + " has a config that is not a JSON object");
        }
    }

    private static void logPull(PullOutcome outcome) {
        double seconds = Math.max(outcome.took().toNanos() / 1e9, 1e-9);
        log.info(
                "image pulled ref={} id={} layers={} fetched={} reused={} bytes={} duration_ms={} rate_mib_s={}",
                outcome.reference(),
                outcome.image().id(),
                outcome.image().layers().size(),
                outcome.layersFetched(),
                outcome.layersReused(),
                outcome.bytesFetched(),
                outcome.took().toMillis(),
                String.format("%.1f", outcome.bytesFetched() / seconds / (1 << 20)));
    }

    private void deleteQuietly(Path dir) {
        try {
            store.releaseWorkDir(dir);
        } catch (IOException e) {
            log.warn("cannot remove work dir path={} error=\"{}\"", dir, e.getMessage());
        }
    }

    /** The parts of an image manifest a pull needs. */
    record ParsedManifest(Descriptor config, List<Descriptor> layers) {
        static ParsedManifest parse(byte[] body, String reference) throws RegistryException {
            try {
                JsonNode json = JSON.readTree(body);
                Descriptor config = descriptor(json.get("config"));
                List<Descriptor> layers = new ArrayList<>();
                for (JsonNode layer : json.path("layers")) {
                    Descriptor descriptor = descriptor(layer);
                    if (!MediaTypes.isLayer(descriptor.mediaType())) {
                        throw new IllegalArgumentException(
                                "layer media type \"" + descriptor.mediaType() + "\" is not a layer jcri can unpack");
                    }
                    layers.add(descriptor);
                }
                return new ParsedManifest(config, layers);
            } catch (RuntimeException e) {
                throw new RegistryException(
                        RegistryException.Kind.BAD_CONTENT,
                        "image " + reference + " has an invalid manifest: " + e.getMessage());
            }
        }

        private static Descriptor descriptor(JsonNode node) {
            if (node == null || !node.isObject()) {
                throw new IllegalArgumentException("descriptor missing");
            }
            long size = node.path("size").asLong(-1);
            if (size < 0) {
                throw new IllegalArgumentException("descriptor without a size");
            }
            return new Descriptor(
                    node.path("mediaType").asString(""),
                    Digest.parse(node.path("digest").asString("")),
                    size,
                    null,
                    Map.of());
        }
    }
}
