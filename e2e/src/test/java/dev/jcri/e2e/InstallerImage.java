package dev.jcri.e2e;

import dev.jcri.e2e.registry.Blob;
import dev.jcri.e2e.registry.RegistryPusher;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The chart's installer image ({@code make installer-image}: {@code target/dist/jcri-installer-<version>.oci.tar},
 * an OCI image layout in a tar), built by {@code scripts/installer-image} when missing or older than the release
 * archive or the installer script it carries, and pushed to a registry blob by blob.
 */
public final class InstallerImage {
    private static final Path REPO =
            Path.of(System.getProperty("jcri.repo", "..")).toAbsolutePath().normalize();
    private static final JsonMapper JSON = JsonMapper.builder().build();

    private InstallerImage() {}

    /** The OCI archive, built first (and the release archive before it) when missing or stale. */
    public static synchronized Path archive() throws IOException, InterruptedException {
        Path release = Release.archive();
        Path existing = find();
        Path script = REPO.resolve("charts/installer/jcri-installer");
        if (existing != null
                && Files.getLastModifiedTime(existing).compareTo(Files.getLastModifiedTime(release)) > 0
                && Files.getLastModifiedTime(existing).compareTo(Files.getLastModifiedTime(script)) > 0) {
            return existing;
        }
        Path log = Files.createTempFile("jcri-installer-image-", ".log");
        try {
            System.out.println("building the installer image with scripts/installer-image (log " + log + ")");
            ProcessBuilder builder = new ProcessBuilder(
                            REPO.resolve("scripts/installer-image").toString())
                    .directory(REPO.toFile())
                    .redirectErrorStream(true)
                    .redirectOutput(log.toFile());
            builder.environment().put("JAVA_HOME", System.getProperty("java.home"));
            Process process = builder.start();
            if (!process.waitFor(600, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor();
                throw new IllegalStateException("scripts/installer-image took longer than 600 s");
            }
            if (process.exitValue() != 0) {
                throw new IllegalStateException(
                        "scripts/installer-image exited with " + process.exitValue() + ":\n" + Files.readString(log));
            }
        } finally {
            Files.deleteIfExists(log);
        }
        Path built = find();
        if (built == null) {
            throw new IllegalStateException("scripts/installer-image made no image in " + REPO.resolve("target/dist"));
        }
        return built;
    }

    /** Pushes the one image of the OCI archive {@code oci} as {@code repo:tag}; returns its manifest digest. */
    public static String push(Path oci, RegistryPusher pusher, String repo, String tag)
            throws IOException, InterruptedException {
        Path layout = Files.createTempDirectory("jcri-installer-oci-");
        try {
            Process tar = new ProcessBuilder("tar", "-C", layout.toString(), "-xf", oci.toString())
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                    .start();
            if (tar.waitFor() != 0) {
                throw new IOException("tar -xf " + oci + " exited with " + tar.exitValue());
            }
            JsonNode descriptor = JSON.readTree(layout.resolve("index.json").toFile())
                    .get("manifests")
                    .get(0);
            Blob manifest = blob(layout, descriptor);
            JsonNode parsed = JSON.readTree(manifest.bytes());
            pusher.pushBlob(repo, blob(layout, parsed.get("config")));
            for (JsonNode layer : parsed.get("layers")) {
                pusher.pushBlob(repo, blob(layout, layer));
            }
            return pusher.pushManifest(repo, tag, manifest);
        } finally {
            StateDirCleanup.remove(layout);
        }
    }

    private static Blob blob(Path layout, JsonNode descriptor) throws IOException {
        String digest = descriptor.get("digest").asString();
        byte[] bytes = Files.readAllBytes(layout.resolve("blobs/sha256").resolve(digest.substring("sha256:".length())));
        Blob blob = Blob.of(descriptor.get("mediaType").asString(), bytes);
        if (!blob.digest().equals(digest)) {
            throw new IOException("blob " + digest + " of the OCI archive hashes to " + blob.digest());
        }
        return blob;
    }

    private static Path find() throws IOException {
        Path dist = REPO.resolve("target/dist");
        if (!Files.isDirectory(dist)) {
            return null;
        }
        try (Stream<Path> files = Files.list(dist)) {
            List<Path> images = files.filter(f -> f.getFileName().toString().matches("jcri-installer-.*\\.oci\\.tar"))
                    .toList();
            return images.isEmpty() ? null : images.getFirst();
        }
    }
}
