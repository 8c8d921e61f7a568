package dev.jcri.server.play;

import dev.jcri.linux.FileTree;
import dev.jcri.linux.Mount;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.HostAlias;
import io.fabric8.kubernetes.api.model.KeyToPath;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Volume;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

/**
 * A pod's volumes on the host, the way kubelet lays them out under its pods directory
 * ({@code <state>/pods/<uid>/volumes/kubernetes.io~<kind>/<name>}): emptyDir (a 0777 directory, or a tmpfs for
 * {@code medium: Memory}), configMap and secret (files written like kubelet's atomic writer: a timestamped
 * directory behind a {@code ..data} link, one link per key, {@code items} and modes applied; mounted read-only),
 * hostPath (with the {@code type} checks); plus the pod's managed /etc/hosts and each container's termination-message
 * file. {@link #check} finds every fault before {@link #materialise} creates anything.
 */
public final class VolumeMaterialiser {
    /** A volume's directory on the host; configMap and secret volumes are always mounted read-only. */
    record HostVolume(Path path, boolean readOnly) {}

    private final Path podsDir;

    public VolumeMaterialiser(Path stateDir) {
        this.podsDir = stateDir.resolve("pods");
    }

    Path podDir(String uid) {
        return podsDir.resolve(uid);
    }

    /** Every fault of the pod's volumes, without touching the host but for reading hostPaths. */
    void check(Pod pod, Manifests manifests) throws PlayException {
        String object = PodTranslation.object(pod);
        String namespace = pod.getMetadata().getNamespace();
        List<Volume> volumes = pod.getSpec().getVolumes();
        for (int i = 0; i < volumes.size(); i++) {
            Volume v = volumes.get(i);
            String field = "spec.volumes[" + i + "]";
            if (v.getEmptyDir() != null) {
                String medium = v.getEmptyDir().getMedium();
                if (medium != null && !medium.isEmpty() && !medium.equals("Memory")) {
                    throw PlayException.field(object, field + ".emptyDir.medium", "must be \"\" or Memory");
                }
            } else if (v.getConfigMap() != null) {
                String name = v.getConfigMap().getName();
                Optional<ConfigMap> map = manifests.configMap(namespace, name);
                if (map.isEmpty() && !Boolean.TRUE.equals(v.getConfigMap().getOptional())) {
                    throw PlayException.field(
                            object,
                            field + ".configMap.name",
                            "configmap \"" + namespace + "/" + name + "\" is not in the manifest");
                }
                checkItems(
                        object,
                        field + ".configMap.items",
                        v.getConfigMap().getItems(),
                        map.map(VolumeMaterialiser::configMapFiles).orElse(Map.of()),
                        Boolean.TRUE.equals(v.getConfigMap().getOptional()));
            } else if (v.getSecret() != null) {
                String name = v.getSecret().getSecretName();
                Optional<Secret> secret = manifests.secret(namespace, name);
                if (secret.isEmpty() && !Boolean.TRUE.equals(v.getSecret().getOptional())) {
                    throw PlayException.field(
                            object,
                            field + ".secret.secretName",
                            "secret \"" + namespace + "/" + name + "\" is not in the manifest");
                }
                checkItems(
                        object,
                        field + ".secret.items",
                        v.getSecret().getItems(),
                        secret.map(ContainerEnvironment::secretData).orElse(Map.of()),
                        Boolean.TRUE.equals(v.getSecret().getOptional()));
            } else if (v.getHostPath() != null) {
                checkHostPath(
                        object,
                        field + ".hostPath",
                        v.getHostPath().getPath(),
                        v.getHostPath().getType());
            } else {
                throw PlayException.field(
                        object,
                        field,
                        "volume \"" + v.getName()
                                + "\": only emptyDir, configMap, secret and hostPath volumes are supported by jcri play");
            }
        }
    }

    private static void checkItems(
            String object, String field, List<KeyToPath> items, Map<String, byte[]> data, boolean optional)
            throws PlayException {
        for (int i = 0; i < items.size(); i++) {
            KeyToPath item = items.get(i);
            if (!data.containsKey(item.getKey()) && !optional) {
                throw PlayException.field(object, field + "[" + i + "].key", "no key \"" + item.getKey() + "\"");
            }
            String path = item.getPath();
            if (path == null
                    || path.isEmpty()
                    || path.startsWith("/")
                    || List.of(path.split("/")).contains("..")
                    || path.startsWith("..")) {
                throw PlayException.field(object, field + "[" + i + "].path", "must be a relative path without '..'");
            }
        }
    }

    private static void checkHostPath(String object, String field, String path, String type) throws PlayException {
        if (path == null || !path.startsWith("/")) {
            throw PlayException.field(object, field + ".path", "must be an absolute path");
        }
        Path p = Path.of(path);
        String problem = switch (type) {
            case "", "DirectoryOrCreate", "FileOrCreate" -> null;
            case "Directory" -> Files.isDirectory(p) ? null : "is not a directory";
            case "File" -> Files.isRegularFile(p) ? null : "is not a file";
            case "Socket" -> fileType(p) == 0140000 ? null : "is not a socket file";
            case "CharDevice" -> fileType(p) == 0020000 ? null : "is not a character device";
            case "BlockDevice" -> fileType(p) == 0060000 ? null : "is not a block device";
            default -> "type \"" + type + "\" is not a hostPath type";
        };
        if (problem != null) {
            throw PlayException.field(object, field, "hostPath type check failed: " + path + " " + problem);
        }
        if (type.equals("FileOrCreate") && !Files.exists(p) && !Files.isDirectory(p.getParent())) {
            throw PlayException.field(
                    object,
                    field,
                    "hostPath type check failed: " + p.getParent() + " does not exist, so " + path
                            + " cannot be created");
        }
    }

    private static int fileType(Path p) {
        try {
            return ((Integer) Files.getAttribute(p, "unix:mode")) & 0170000;
        } catch (IOException | UnsupportedOperationException e) {
            return -1;
        }
    }

    /** Where each volume of the pod is (or will be) on the host; creates nothing. */
    Map<String, HostVolume> layout(Pod pod) {
        Path volumesDir = podDir(pod.getMetadata().getUid()).resolve("volumes");
        Map<String, HostVolume> layout = new LinkedHashMap<>();
        for (Volume v : pod.getSpec().getVolumes()) {
            if (v.getEmptyDir() != null) {
                layout.put(
                        v.getName(),
                        new HostVolume(
                                volumesDir.resolve("kubernetes.io~empty-dir").resolve(v.getName()), false));
            } else if (v.getConfigMap() != null) {
                layout.put(
                        v.getName(),
                        new HostVolume(
                                volumesDir.resolve("kubernetes.io~configmap").resolve(v.getName()), true));
            } else if (v.getSecret() != null) {
                layout.put(
                        v.getName(),
                        new HostVolume(
                                volumesDir.resolve("kubernetes.io~secret").resolve(v.getName()), true));
            } else if (v.getHostPath() != null) {
                layout.put(v.getName(), new HostVolume(Path.of(v.getHostPath().getPath()), false));
            }
        }
        return layout;
    }

    /** Creates the pod's volumes (after {@link #check}); on a failure what it made is removed again. */
    Map<String, HostVolume> materialise(Pod pod, Manifests manifests) throws PlayException {
        String uid = pod.getMetadata().getUid();
        String namespace = pod.getMetadata().getNamespace();
        Map<String, HostVolume> result = layout(pod);
        try {
            Files.createDirectories(podsDir);
            Files.setPosixFilePermissions(podsDir.getParent(), PosixFilePermissions.fromString("rwx------"));
            for (Volume v : pod.getSpec().getVolumes()) {
                if (v.getEmptyDir() != null) {
                    Path dir = result.get(v.getName()).path();
                    Files.createDirectories(dir);
                    if ("Memory".equals(v.getEmptyDir().getMedium()) && !isMountPoint(dir)) {
                        Quantity limit = v.getEmptyDir().getSizeLimit();
                        String options = limit == null ? "mode=0777" : "mode=0777,size=" + LinuxResources.bytes(limit);
                        Mount.mount("tmpfs", dir.toString(), "tmpfs", Mount.MS_NOSUID | Mount.MS_NODEV, options);
                    }
                    Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxrwxrwx"));
                } else if (v.getConfigMap() != null) {
                    Path dir = result.get(v.getName()).path();
                    Map<String, byte[]> data = manifests
                            .configMap(namespace, v.getConfigMap().getName())
                            .map(VolumeMaterialiser::configMapFiles)
                            .orElse(Map.of());
                    writeAtomically(
                            dir,
                            files(data, v.getConfigMap().getItems()),
                            v.getConfigMap().getDefaultMode(),
                            v.getConfigMap().getItems());
                } else if (v.getSecret() != null) {
                    Path dir = result.get(v.getName()).path();
                    Map<String, byte[]> data = manifests
                            .secret(namespace, v.getSecret().getSecretName())
                            .map(ContainerEnvironment::secretData)
                            .orElse(Map.of());
                    writeAtomically(
                            dir,
                            files(data, v.getSecret().getItems()),
                            v.getSecret().getDefaultMode(),
                            v.getSecret().getItems());
                } else if (v.getHostPath() != null) {
                    Path path = result.get(v.getName()).path();
                    if (v.getHostPath().getType().equals("DirectoryOrCreate") && !Files.exists(path)) {
                        Files.createDirectories(path);
                        Files.setPosixFilePermissions(path, PosixFilePermissions.fromString("rwxr-xr-x"));
                    } else if (v.getHostPath().getType().equals("FileOrCreate") && !Files.exists(path)) {
                        Files.createFile(path);
                        Files.setPosixFilePermissions(path, PosixFilePermissions.fromString("rw-r--r--"));
                    }
                }
            }
            return result;
        } catch (IOException e) {
            remove(uid);
            throw new PlayException(PodTranslation.object(pod) + ": volumes: " + e.getMessage(), e);
        }
    }

    /** The pod's /etc/hosts as kubelet manages it: loopback names, the pod's IPs and hostname, then hostAliases. */
    Path writeHosts(Pod pod, List<String> podIps, String hostname, String hostsOfNode, String clusterDomain)
            throws PlayException {
        StringBuilder hosts = new StringBuilder();
        if (PodTranslation.hostNetwork(pod)) {
            hosts.append("# Kubernetes-managed hosts file (host network).\n").append(hostsOfNode);
        } else {
            hosts.append("# Kubernetes-managed hosts file.\n")
                    .append("127.0.0.1\tlocalhost\n")
                    .append("::1\tlocalhost ip6-localhost ip6-loopback\n")
                    .append("fe00::0\tip6-localnet\n")
                    .append("fe00::0\tip6-mcastprefix\n")
                    .append("fe00::1\tip6-allnodes\n")
                    .append("fe00::2\tip6-allrouters\n");
            String subdomain = pod.getSpec().getSubdomain();
            for (String ip : podIps) {
                if (subdomain != null && !subdomain.isEmpty()) {
                    hosts.append(ip)
                            .append('\t')
                            .append(hostname)
                            .append('.')
                            .append(subdomain)
                            .append('.')
                            .append(pod.getMetadata().getNamespace())
                            .append(".svc.")
                            .append(clusterDomain)
                            .append('\t')
                            .append(hostname)
                            .append('\n');
                } else {
                    hosts.append(ip).append('\t').append(hostname).append('\n');
                }
            }
        }
        if (!pod.getSpec().getHostAliases().isEmpty()) {
            hosts.append("\n# Entries added by HostAliases.\n");
            for (HostAlias alias : pod.getSpec().getHostAliases()) {
                hosts.append(alias.getIp())
                        .append('\t')
                        .append(String.join("\t", alias.getHostnames()))
                        .append('\n');
            }
        }
        Path file = podDir(pod.getMetadata().getUid()).resolve("etc-hosts");
        try {
            Files.createDirectories(file.getParent());
            Files.writeString(file, hosts.toString());
            Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));
            return file;
        } catch (IOException e) {
            throw new PlayException(PodTranslation.object(pod) + ": /etc/hosts: " + e.getMessage(), e);
        }
    }

    /** A new, empty, world-writable termination-message file for one run of a container. */
    Path terminationLog(Pod pod, String container) throws PlayException {
        Path dir = podDir(pod.getMetadata().getUid()).resolve("containers").resolve(container);
        try {
            Files.createDirectories(dir);
            Path file = dir.resolve(UUID.randomUUID().toString().substring(0, 8));
            Files.createFile(file);
            Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-rw-rw-"));
            return file;
        } catch (IOException e) {
            throw new PlayException(PodTranslation.object(pod) + ": termination message file: " + e.getMessage(), e);
        }
    }

    /** Removes a pod's directory; its tmpfs volumes are detached first. Nothing there is fine. */
    void remove(String uid) {
        try {
            FileTree.delete(podDir(uid));
        } catch (IOException | RuntimeException e) {
            System.err.println("jcri play: cannot remove " + podDir(uid) + ": " + e.getMessage());
        }
    }

    private static boolean isMountPoint(Path dir) throws IOException {
        return !Files.getFileStore(dir).equals(Files.getFileStore(dir.getParent()));
    }

    static Map<String, byte[]> configMapFiles(ConfigMap map) {
        Map<String, byte[]> data = new LinkedHashMap<>();
        if (map.getData() != null) {
            map.getData().forEach((k, v) -> data.put(k, v.getBytes(StandardCharsets.UTF_8)));
        }
        if (map.getBinaryData() != null) {
            map.getBinaryData()
                    .forEach((k, v) -> data.put(k, Base64.getMimeDecoder().decode(v)));
        }
        return data;
    }

    /** Path in the volume → content: every key by its name, or only the items, at their paths. */
    private static Map<String, byte[]> files(Map<String, byte[]> data, List<KeyToPath> items) {
        if (items.isEmpty()) {
            return data;
        }
        Map<String, byte[]> files = new LinkedHashMap<>();
        for (KeyToPath item : items) {
            if (data.containsKey(item.getKey())) {
                files.put(item.getPath(), data.get(item.getKey()));
            }
        }
        return files;
    }

    /**
     * Like kubelet's atomic writer: the files in a fresh {@code ..<timestamp>} directory, {@code ..data} pointing at
     * it, and a link per top-level name through {@code ..data}, so a reader never sees half an update.
     */
    private static void writeAtomically(Path dir, Map<String, byte[]> files, Integer defaultMode, List<KeyToPath> items)
            throws IOException {
        Files.createDirectories(dir);
        String stamp = ".." + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyy_MM_dd_HH_mm_ss.SSSSSSSSS"));
        Path target = dir.resolve(stamp);
        Files.createDirectory(target);
        Files.setPosixFilePermissions(target, PosixFilePermissions.fromString("rwxr-xr-x"));
        Map<String, Integer> modes = new LinkedHashMap<>();
        for (KeyToPath item : items) {
            if (item.getMode() != null) {
                modes.put(item.getPath(), item.getMode());
            }
        }
        for (Map.Entry<String, byte[]> file : files.entrySet()) {
            Path path = target.resolve(file.getKey());
            Files.createDirectories(path.getParent());
            Files.write(path, file.getValue());
            Files.setPosixFilePermissions(path, permissions(modes.getOrDefault(file.getKey(), defaultMode)));
        }
        Path data = dir.resolve("..data");
        Path tmp = dir.resolve("..data_tmp");
        Files.deleteIfExists(tmp);
        Files.createSymbolicLink(tmp, Path.of(stamp));
        Files.move(
                tmp,
                data,
                java.nio.file.StandardCopyOption.ATOMIC_MOVE,
                java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        for (String top :
                files.keySet().stream().map(p -> p.split("/")[0]).distinct().toList()) {
            Path link = dir.resolve(top);
            if (!Files.exists(link, LinkOption.NOFOLLOW_LINKS)) {
                Files.createSymbolicLink(link, Path.of("..data").resolve(top));
            }
        }
    }

    private static Set<PosixFilePermission> permissions(int mode) {
        StringBuilder s = new StringBuilder();
        String rwx = "rwx";
        for (int bit = 8; bit >= 0; bit--) {
            s.append((mode & (1 << bit)) != 0 ? rwx.charAt(2 - bit % 3) : '-');
        }
        return PosixFilePermissions.fromString(s.toString());
    }
}
