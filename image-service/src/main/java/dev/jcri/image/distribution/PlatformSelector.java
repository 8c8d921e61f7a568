package dev.jcri.image.distribution;

import dev.jcri.image.Digest;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Chooses from an OCI image index or Docker manifest list the image manifest for one platform.
 *
 * <p>Entries that are not runnable images are skipped: BuildKit's attestation manifests (annotated
 * {@code vnd.docker.reference.type=attestation-manifest}, platform {@code unknown/unknown}) and anything that
 * is not an image manifest. Among matching entries the one with the best variant wins; on a tie, the
 * earlier entry.
 */
public final class PlatformSelector {
    static final String REFERENCE_TYPE_ANNOTATION = "vnd.docker.reference.type";
    static final String ATTESTATION = "attestation-manifest";

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private final Platform wanted;

    public PlatformSelector(Platform wanted) {
        this.wanted = Objects.requireNonNull(wanted, "wanted").normalized();
    }

    public static PlatformSelector forThisNode() {
        return new PlatformSelector(Platform.current());
    }

    public Platform wanted() {
        return wanted;
    }

    /**
     * @throws NoMatchingPlatformException listing the platforms the index offers
     * @throws IOException when the index is not valid JSON of the expected shape
     */
    public Descriptor select(byte[] indexJson) throws IOException {
        JsonNode root;
        try {
            root = JSON.readTree(indexJson);
        } catch (JacksonException e) {
            throw new IOException("malformed image index: " + e.getOriginalMessage(), e);
        }
        return select(entries(root));
    }

    public Descriptor select(List<Descriptor> manifests) throws NoMatchingPlatformException {
        List<String> variants = wanted.runnableVariants();
        Descriptor best = null;
        int bestRank = Integer.MAX_VALUE;
        List<Platform> offered = new ArrayList<>();
        for (Descriptor entry : manifests) {
            if (!isRunnableImage(entry)) {
                continue;
            }
            Platform platform = entry.platform();
            if (platform == null) {
                // A platform-less entry says nothing about where it runs; containerd accepts it, so do we,
                // after any entry that names our platform.
                if (best == null) {
                    best = entry;
                    bestRank = variants.size();
                }
                continue;
            }
            offered.add(platform);
            Platform candidate = platform.normalized();
            if (!candidate.os().equals(wanted.os()) || !candidate.architecture().equals(wanted.architecture())) {
                continue;
            }
            int rank = rank(variants, candidate.variant());
            if (rank >= 0 && rank < bestRank) {
                best = entry;
                bestRank = rank;
            }
        }
        if (best == null) {
            throw new NoMatchingPlatformException(wanted, offered);
        }
        return best;
    }

    /** Position of {@code variant} among the runnable ones, -1 when this node cannot run it. */
    private static int rank(List<String> variants, String variant) {
        for (int i = 0; i < variants.size(); i++) {
            if (Objects.equals(variants.get(i), variant)) {
                return i;
            }
        }
        return -1;
    }

    private static boolean isRunnableImage(Descriptor entry) {
        if (ATTESTATION.equals(entry.annotations().get(REFERENCE_TYPE_ANNOTATION))) {
            return false;
        }
        Platform platform = entry.platform();
        if (platform != null
                && platform.os().equals("unknown")
                && platform.architecture().equals("unknown")) {
            return false;
        }
        return MediaTypes.isImageManifest(entry.mediaType());
    }

    /** The index's {@code manifests} as descriptors; shape errors name the entry. */
    static List<Descriptor> entries(JsonNode root) throws IOException {
        JsonNode manifests = root.get("manifests");
        if (manifests == null || !manifests.isArray()) {
            throw new IOException("malformed image index: \"manifests\" is missing or not an array");
        }
        List<Descriptor> entries = new ArrayList<>();
        int index = 0;
        for (JsonNode entry : manifests) {
            entries.add(descriptor(entry, "manifests[" + index++ + "]"));
        }
        return entries;
    }

    private static Descriptor descriptor(JsonNode node, String where) throws IOException {
        if (!node.isObject()) {
            throw new IOException("malformed image index: " + where + " is not an object");
        }
        String mediaType = text(node, "mediaType", where, true);
        Digest digest;
        try {
            digest = Digest.parse(text(node, "digest", where, true));
        } catch (IllegalArgumentException e) {
            throw new IOException("malformed image index: " + where + ".digest: " + e.getMessage(), e);
        }
        JsonNode size = node.get("size");
        if (size == null || !size.isIntegralNumber() || size.longValue() < 0) {
            throw new IOException("malformed image index: " + where + ".size must be a non-negative integer");
        }
        Platform platform = null;
        JsonNode p = node.get("platform");
        if (p != null && !p.isNull()) {
            if (!p.isObject()) {
                throw new IOException("malformed image index: " + where + ".platform is not an object");
            }
            String os = text(p, "os", where + ".platform", true);
            String arch = text(p, "architecture", where + ".platform", true);
            platform = new Platform(os, arch, text(p, "variant", where + ".platform", false));
        }
        Map<String, String> annotations = new LinkedHashMap<>();
        JsonNode a = node.get("annotations");
        if (a != null && a.isObject()) {
            for (Map.Entry<String, JsonNode> e : a.properties()) {
                if (e.getValue().isString()) {
                    annotations.put(e.getKey(), e.getValue().stringValue());
                }
            }
        }
        return new Descriptor(mediaType, digest, size.longValue(), platform, annotations);
    }

    private static String text(JsonNode node, String field, String where, boolean required) throws IOException {
        JsonNode value = node.get(field);
        if (value == null || value.isNull()) {
            if (required) {
                throw new IOException("malformed image index: " + where + "." + field + " is missing");
            }
            return null;
        }
        if (!value.isString()) {
            throw new IOException("malformed image index: " + where + "." + field + " must be a string");
        }
        return value.stringValue();
    }
}
