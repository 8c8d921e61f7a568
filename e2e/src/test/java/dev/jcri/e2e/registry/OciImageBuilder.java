package dev.jcri.e2e.registry;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.function.Consumer;
import tools.jackson.databind.json.JsonMapper;

/**
 * Builds images in memory, without docker: layers (see {@link LayerBuilder}), the image config, and an OCI or
 * Docker schema2 manifest; {@link #index} combines per-platform manifests. Layers, configs and manifests are
 * deterministic (fixed mtimes, gzip without a timestamp), so the same fixture has the same digests on every run.
 *
 * <p>Ready-made: {@link #busybox()}, {@link #layered()}, {@link #busyboxMultiPlatform(ManifestFormat)}. Config
 * setters ({@code withCmd}, {@code withUser}, ...) apply on top of them.
 */
public final class OciImageBuilder {
    /** The path of the busybox binary copied into {@link #busybox()}, from Debian's busybox-static. */
    public static final Path HOST_BUSYBOX = Path.of("/bin/busybox");

    /** The applets {@link #busyboxLayer()} links to {@code /bin/busybox} (relative symlinks in /bin). */
    public static final List<String> BUSYBOX_APPLETS = List.of(
            "sh",
            "ash",
            "echo",
            "cat",
            "sleep",
            "ls",
            "id",
            "env",
            "true",
            "false",
            "test",
            "[",
            "printf",
            "pwd",
            "whoami",
            "hostname",
            "touch",
            "mkdir",
            "rm",
            "rmdir",
            "cp",
            "mv",
            "ln",
            "chmod",
            "chown",
            "stat",
            "readlink",
            "wc",
            "head",
            "tail",
            "grep",
            "sed",
            "awk",
            "ps",
            "kill",
            "date",
            "uname",
            "mount",
            "umount",
            "df",
            "du",
            "find",
            "xargs",
            "tee",
            "dd",
            "seq",
            "sort",
            "uniq",
            "cut",
            "tr",
            "sha256sum",
            "md5sum",
            "printenv",
            "nc",
            "wget",
            "ip",
            "ping",
            "timeout",
            "nproc",
            "yes",
            "tar",
            "gzip",
            "vi",
            "less",
            "top",
            "su");

    public static final String PASSWD = """
            root:x:0:0:root:/root:/bin/sh
            app:x:1000:1000:app:/home/app:/bin/sh
            nobody:x:65534:65534:nobody:/nonexistent:/bin/false
            """;

    /** root, app (1000) and nobody (65534); {@code app} is also a member of {@code users} (100). */
    public static final String GROUP = """
            root:x:0:
            users:x:100:app
            app:x:1000:
            nobody:x:65534:
            """;

    public static final String DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private ManifestFormat format = ManifestFormat.OCI;
    private Platform platform = Platform.LINUX_AMD64;
    private Compression compression = Compression.GZIP;
    private Instant created = TarEntry.DEFAULT_MTIME;
    private final Map<String, String> env = new LinkedHashMap<>();
    private List<String> entrypoint;
    private List<String> cmd;
    private String workingDir;
    private String user;
    private final Map<String, String> labels = new LinkedHashMap<>();
    private String stopSignal;
    private final Set<String> exposedPorts = new LinkedHashSet<>();
    private final Set<String> volumes = new LinkedHashSet<>();
    private final Map<String, String> annotations = new LinkedHashMap<>();
    /** Layers ({@link LayerBuilder}) and empty-layer history entries ({@link String}), in order. */
    private final List<Object> steps = new ArrayList<>();

    private OciImageBuilder() {}

    /** An empty image: no layers, no config beyond os/architecture. */
    public static OciImageBuilder image() {
        return new OciImageBuilder();
    }

    /**
     * A busybox image like docker.io/library/busybox: one layer ({@link #busyboxLayer()}), {@code PATH} set,
     * {@code Cmd ["sh"]}.
     */
    public static OciImageBuilder busybox() {
        return image().withEnv("PATH", DEFAULT_PATH).withCmd("sh").withLayer(busyboxLayer());
    }

    /**
     * {@link #busybox()} plus {@code layers} layers of {@code mib} MiB each of incompressible data (random bytes from
     * {@code seed}, so the same arguments give the same digests): an image whose pull time is its download and digest.
     */
    public static OciImageBuilder busyboxWithRandomLayers(int layers, int mib, long seed) {
        Random random = new Random(seed);
        OciImageBuilder builder = busybox();
        for (int i = 0; i < layers; i++) {
            byte[] data = new byte[mib << 20];
            random.nextBytes(data);
            int n = i;
            builder.withLayer(l -> l.file("/data/blob-" + n, data, 0644));
        }
        return builder;
    }

    /**
     * Three layers whose merge tests whiteouts: {@link #busyboxLayer()}; a data layer; and a layer that deletes
     * and hides parts of the data layer. After unpacking all three, a container sees:
     * <ul>
     *   <li>{@code /data/keep.txt} ("keep\n"), and {@code /data/keep-hardlink.txt}, a hardlink to it;</li>
     *   <li>no {@code /data/gone.txt} (whited out by {@code /data/.wh.gone.txt});</li>
     *   <li>{@code /data/opq/} holding only {@code new.txt} ("new\n"): {@code old.txt} and {@code sub/} are hidden
     *       by the opaque marker {@code /data/opq/.wh..wh..opq};</li>
     *   <li>{@code /data/app-owned} (uid/gid 1000, mode 0600), {@code /data/setuid} (mode 04755),
     *       {@code /data/link-to-keep} (symlink to {@code keep.txt}), a file under a path of more than 100 bytes
     *       ({@link #LONG_PATH}, content "long\n");</li>
     *   <li>no {@code /bin/ls} (whited out by the third layer);</li>
     * </ul>
     * No {@code .wh.*} file is visible in the container.
     */
    public static OciImageBuilder layered() {
        return busybox().withLayer(dataLayer()).withLayer(whiteoutLayer());
    }

    /**
     * A 136-byte static x86-64 Linux executable that exits with its effective UID (mod 256): geteuid(), then
     * exit(euid). Installed setuid root it shows whether the kernel honoured the setuid bit; busybox cannot show
     * that, as it drops setuid privileges itself. Written by hand so that no compiler is needed.
     */
    public static byte[] exitWithEffectiveUid() {
        return staticExecutable(java.util.HexFormat.of().parseHex("b86b0000000f0589c7b83c0000000f05"));
    }

    /**
     * A static x86-64 Linux executable of one read-only, executable segment: the ELF and program headers (120
     * bytes), then {@code code}, which runs from its first byte and may address itself RIP-relative.
     */
    public static byte[] staticExecutable(byte[] code) {
        java.nio.ByteBuffer elf =
                java.nio.ByteBuffer.allocate(64 + 56 + code.length).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        long base = 0x400000;
        elf.put(new byte[] {0x7f, 'E', 'L', 'F', 2, 1, 1, 0}).put(new byte[8]);
        elf.putShort((short) 2)
                .putShort((short) 0x3e)
                .putInt(1)
                .putLong(base + 120)
                .putLong(64)
                .putLong(0)
                .putInt(0)
                .putShort((short) 64)
                .putShort((short) 56)
                .putShort((short) 1)
                .putShort((short) 0)
                .putShort((short) 0)
                .putShort((short) 0);
        elf.putInt(1)
                .putInt(5)
                .putLong(0)
                .putLong(base)
                .putLong(base)
                .putLong(elf.capacity())
                .putLong(elf.capacity())
                .putLong(0x1000);
        elf.put(code);
        return elf.array();
    }

    /** A path longer than the 100 bytes a ustar name field holds (written with a PAX path record). */
    public static final String LONG_PATH = "/data/" + "d".repeat(60) + "/" + "f".repeat(60) + ".txt";

    /** The second layer of {@link #layered()}. */
    public static LayerBuilder dataLayer() {
        return LayerBuilder.layer()
                .createdBy("COPY data /data")
                .dir("/data")
                .file("/data/keep.txt", "keep\n")
                .hardlink("/data/keep-hardlink.txt", "/data/keep.txt")
                .file("/data/gone.txt", "gone\n")
                .symlink("/data/link-to-keep", "keep.txt")
                .file("/data/app-owned", "app\n".getBytes(StandardCharsets.UTF_8), 0600, 1000, 1000)
                .file("/data/setuid", "#!/bin/sh\n".getBytes(StandardCharsets.UTF_8), 04755)
                .dir("/data/opq")
                .file("/data/opq/old.txt", "old\n")
                .dir("/data/opq/sub")
                .file("/data/opq/sub/deep.txt", "deep\n")
                .dir("/data/" + "d".repeat(60))
                .file(LONG_PATH, "long\n");
    }

    /** The third layer of {@link #layered()}. */
    public static LayerBuilder whiteoutLayer() {
        return LayerBuilder.layer()
                .createdBy("RUN rm /data/gone.txt /bin/ls && rm -rf /data/opq/* && echo new > /data/opq/new.txt")
                .dir("/data")
                .whiteout("/data/gone.txt")
                .whiteout("/bin/ls")
                .dir("/data/opq")
                .opaque("/data/opq")
                .file("/data/opq/new.txt", "new\n");
    }

    /**
     * A layer of entries an unpacker must handle with care, for tests that want them: a user xattr, a fifo, a
     * char device (1:3, like /dev/null), a file with a sub-second mtime, a non-ASCII name, a large uid/gid
     * (needs PAX), a setgid dir and a sticky dir. Not part of any ready-made image.
     */
    public static LayerBuilder specialFilesLayer() {
        return LayerBuilder.layer()
                .createdBy("special files")
                .dir("/special")
                .entry(TarEntry.file("/special/xattr", "x\n", 0644).withXattr("user.jcri", "e2e"))
                .entry(TarEntry.fifo("/special/fifo", 0644))
                .entry(TarEntry.charDevice("/special/null", 0666, 1, 3))
                .entry(TarEntry.file("/special/mtime", "t\n", 0644)
                        .withMtime(Instant.parse("2023-05-06T07:08:09.123456789Z")))
                .file("/special/h\u00e9llo-\u65e5\u672c", "utf8\n")
                .entry(TarEntry.file("/special/bigid", "id\n", 0644).withOwner(3_000_000L, 3_000_001L))
                .dir("/special/setgid", 02775)
                .dir("/special/sticky", 01777);
    }

    /**
     * The layer of {@link #busybox()}: {@code /bin/busybox} (a copy of {@link #HOST_BUSYBOX}, 0755), symlinks for
     * {@link #BUSYBOX_APPLETS}, {@code /etc/passwd} ({@link #PASSWD}), {@code /etc/group} ({@link #GROUP}),
     * {@code /tmp} 1777, {@code /root} 0700, {@code /home/app} owned by 1000:1000, {@code /usr/bin/env}, {@code /var}.
     */
    public static LayerBuilder busyboxLayer() {
        LayerBuilder l = LayerBuilder.layer()
                .createdBy("ADD busybox /")
                .dir("/bin")
                .hostFile("/bin/busybox", HOST_BUSYBOX, 0755);
        for (String applet : BUSYBOX_APPLETS) {
            l.symlink("/bin/" + applet, "busybox");
        }
        return l.dir("/etc")
                .file("/etc/passwd", PASSWD)
                .file("/etc/group", GROUP)
                .dir("/home")
                .dir("/home/app", 0755, 1000, 1000)
                .dir("/root", 0700)
                .dir("/tmp", 01777)
                .dir("/usr")
                .dir("/usr/bin")
                .symlink("/usr/bin/env", "../../bin/busybox")
                .dir("/var");
    }

    /**
     * linux/amd64 {@link #busybox()} and a linux/arm64/v8 image whose only layer holds {@code /ARCH} ("arm64\n"),
     * in an OCI index or a Docker manifest list.
     */
    public static OciIndex busyboxMultiPlatform(ManifestFormat format) {
        OciImage amd64 = busybox().withFormat(format).build();
        OciImage arm64 = image().withFormat(format)
                .withPlatform(Platform.LINUX_ARM64)
                .withEnv("PATH", DEFAULT_PATH)
                .withCmd("sh")
                .withLayer(l -> l.createdBy("dummy arm64 layer").file("/ARCH", "arm64\n"))
                .build();
        return index(format, amd64, arm64);
    }

    /** An OCI image index or Docker manifest list naming {@code manifests} with their platforms. */
    public static OciIndex index(ManifestFormat format, OciImage... manifests) {
        List<Object> entries = new ArrayList<>();
        for (OciImage m : manifests) {
            Map<String, Object> d = m.manifest().descriptor();
            d.put("platform", m.platform().toJson());
            entries.add(d);
        }
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("schemaVersion", 2);
        json.put("mediaType", format.indexMediaType());
        json.put("manifests", entries);
        return new OciIndex(
                format, Arrays.asList(manifests), Blob.of(format.indexMediaType(), JSON.writeValueAsBytes(json)));
    }

    public OciImageBuilder withFormat(ManifestFormat f) {
        this.format = f;
        return this;
    }

    public OciImageBuilder withPlatform(Platform p) {
        this.platform = p;
        return this;
    }

    /** Compression for layers that do not set their own; gzip unless changed. */
    public OciImageBuilder withCompression(Compression c) {
        this.compression = c;
        return this;
    }

    public OciImageBuilder withCreated(Instant t) {
        this.created = t;
        return this;
    }

    /** Sets (or replaces) one variable, kept in insertion order. */
    public OciImageBuilder withEnv(String name, String value) {
        env.put(name, value);
        return this;
    }

    /** No argument: no Entrypoint in the config. */
    public OciImageBuilder withEntrypoint(String... args) {
        this.entrypoint = args.length == 0 ? null : List.of(args);
        return this;
    }

    /** No argument: no Cmd in the config. */
    public OciImageBuilder withCmd(String... args) {
        this.cmd = args.length == 0 ? null : List.of(args);
        return this;
    }

    public OciImageBuilder withWorkingDir(String dir) {
        this.workingDir = dir;
        return this;
    }

    /** {@code name}, {@code uid}, {@code uid:gid}, {@code name:group}, as in a Dockerfile USER. */
    public OciImageBuilder withUser(String u) {
        this.user = u;
        return this;
    }

    public OciImageBuilder withLabel(String key, String value) {
        labels.put(key, value);
        return this;
    }

    public OciImageBuilder withStopSignal(String signal) {
        this.stopSignal = signal;
        return this;
    }

    /** {@code "8080/tcp"}, {@code "53/udp"}. */
    public OciImageBuilder withExposedPort(String port) {
        exposedPorts.add(port);
        return this;
    }

    public OciImageBuilder withVolume(String path) {
        volumes.add(path);
        return this;
    }

    /** A manifest annotation (OCI manifests only; Docker schema2 has none). */
    public OciImageBuilder withAnnotation(String key, String value) {
        annotations.put(key, value);
        return this;
    }

    public OciImageBuilder withLayer(LayerBuilder layer) {
        steps.add(layer);
        return this;
    }

    public OciImageBuilder withLayer(Consumer<LayerBuilder> layer) {
        LayerBuilder l = LayerBuilder.layer();
        layer.accept(l);
        return withLayer(l);
    }

    /** A history entry with {@code empty_layer: true} (an ENV or CMD step). */
    public OciImageBuilder withHistory(String createdBy) {
        steps.add(createdBy);
        return this;
    }

    public OciImage build() {
        if (format == ManifestFormat.DOCKER && !annotations.isEmpty()) {
            throw new IllegalStateException("Docker schema2 manifests have no annotations");
        }
        List<Layer> layers = new ArrayList<>();
        List<Object> history = new ArrayList<>();
        for (Object step : steps) {
            Map<String, Object> h = new LinkedHashMap<>();
            h.put("created", created.toString());
            if (step instanceof LayerBuilder lb) {
                Layer layer = lb.build(format, compression);
                layers.add(layer);
                h.put("created_by", layer.createdBy());
            } else {
                h.put("created_by", step);
                h.put("empty_layer", true);
            }
            history.add(h);
        }

        Map<String, Object> config = new LinkedHashMap<>();
        config.put("created", created.toString());
        config.put("architecture", platform.architecture());
        if (platform.variant() != null) {
            config.put("variant", platform.variant());
        }
        config.put("os", platform.os());
        Map<String, Object> runConfig = new LinkedHashMap<>();
        if (user != null) {
            runConfig.put("User", user);
        }
        if (!exposedPorts.isEmpty()) {
            runConfig.put("ExposedPorts", emptyObjects(exposedPorts));
        }
        if (!env.isEmpty()) {
            runConfig.put(
                    "Env",
                    env.entrySet().stream()
                            .map(e -> e.getKey() + "=" + e.getValue())
                            .toList());
        }
        if (entrypoint != null) {
            runConfig.put("Entrypoint", entrypoint);
        }
        if (cmd != null) {
            runConfig.put("Cmd", cmd);
        }
        if (!volumes.isEmpty()) {
            runConfig.put("Volumes", emptyObjects(volumes));
        }
        if (workingDir != null) {
            runConfig.put("WorkingDir", workingDir);
        }
        if (!labels.isEmpty()) {
            runConfig.put("Labels", labels);
        }
        if (stopSignal != null) {
            runConfig.put("StopSignal", stopSignal);
        }
        config.put("config", runConfig);
        Map<String, Object> rootfs = new LinkedHashMap<>(); // not Map.of: its order changes between JVM runs
        rootfs.put("type", "layers");
        rootfs.put("diff_ids", layers.stream().map(Layer::diffId).toList());
        config.put("rootfs", rootfs);
        config.put("history", history);
        Blob configBlob = Blob.of(format.configMediaType(), JSON.writeValueAsBytes(config));

        Map<String, Object> manifest = new LinkedHashMap<>();
        manifest.put("schemaVersion", 2);
        manifest.put("mediaType", format.manifestMediaType());
        manifest.put("config", configBlob.descriptor());
        manifest.put("layers", layers.stream().map(l -> l.blob().descriptor()).toList());
        if (!annotations.isEmpty()) {
            manifest.put("annotations", annotations);
        }
        Blob manifestBlob = Blob.of(format.manifestMediaType(), JSON.writeValueAsBytes(manifest));
        return new OciImage(format, platform, configBlob, layers, manifestBlob);
    }

    private static Map<String, Object> emptyObjects(Set<String> keys) {
        Map<String, Object> m = new LinkedHashMap<>();
        keys.forEach(k -> m.put(k, Map.of()));
        return m;
    }
}
