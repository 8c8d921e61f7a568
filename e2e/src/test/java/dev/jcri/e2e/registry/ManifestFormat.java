package dev.jcri.e2e.registry;

/** The two manifest families a registry serves: OCI image spec, and Docker image manifest v2 schema 2. */
public enum ManifestFormat {
    OCI(
            "application/vnd.oci.image.manifest.v1+json",
            "application/vnd.oci.image.index.v1+json",
            "application/vnd.oci.image.config.v1+json",
            "application/vnd.oci.image.layer.v1.tar"),
    DOCKER(
            "application/vnd.docker.distribution.manifest.v2+json",
            "application/vnd.docker.distribution.manifest.list.v2+json",
            "application/vnd.docker.container.image.v1+json",
            "application/vnd.docker.image.rootfs.diff.tar");

    public static final String OCI_MANIFEST = OCI.manifestMediaType;
    public static final String OCI_INDEX = OCI.indexMediaType;
    public static final String DOCKER_MANIFEST = DOCKER.manifestMediaType;
    public static final String DOCKER_MANIFEST_LIST = DOCKER.indexMediaType;

    /** An Accept header naming every manifest and index media type of both families. */
    public static final String ACCEPT_ALL =
            String.join(", ", OCI_MANIFEST, OCI_INDEX, DOCKER_MANIFEST, DOCKER_MANIFEST_LIST);

    private final String manifestMediaType;
    private final String indexMediaType;
    private final String configMediaType;
    private final String layerMediaTypeBase;

    ManifestFormat(String manifest, String index, String config, String layerBase) {
        this.manifestMediaType = manifest;
        this.indexMediaType = index;
        this.configMediaType = config;
        this.layerMediaTypeBase = layerBase;
    }

    public String manifestMediaType() {
        return manifestMediaType;
    }

    /** OCI image index, or Docker manifest list. */
    public String indexMediaType() {
        return indexMediaType;
    }

    public String configMediaType() {
        return configMediaType;
    }

    /**
     * The layer media type for {@code compression}. OCI: {@code ...layer.v1.tar}, {@code +gzip}, {@code +zstd}.
     * Docker: {@code ...rootfs.diff.tar.gzip} is the only one the schema defines; uncompressed {@code ...diff.tar}
     * and {@code ...diff.tar.zstd} are the names containerd accepts.
     */
    public String layerMediaType(Compression compression) {
        return switch (this) {
            case OCI ->
                switch (compression) {
                    case NONE -> layerMediaTypeBase;
                    case GZIP -> layerMediaTypeBase + "+gzip";
                    case ZSTD -> layerMediaTypeBase + "+zstd";
                };
            case DOCKER ->
                switch (compression) {
                    case NONE -> layerMediaTypeBase;
                    case GZIP -> layerMediaTypeBase + ".gzip";
                    case ZSTD -> layerMediaTypeBase + ".zstd";
                };
        };
    }
}
