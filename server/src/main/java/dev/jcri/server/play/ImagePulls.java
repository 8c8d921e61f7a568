package dev.jcri.server.play;

import dev.jcri.cri.v1.AuthConfig;
import dev.jcri.cri.v1.Image;
import dev.jcri.cri.v1.ImageServiceGrpc;
import dev.jcri.cri.v1.ImageSpec;
import dev.jcri.cri.v1.ImageStatusRequest;
import dev.jcri.cri.v1.PodSandboxConfig;
import dev.jcri.cri.v1.PullImageRequest;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.LocalObjectReference;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Secret;
import io.grpc.StatusRuntimeException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Map;
import java.util.Optional;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * kubelet's image step for one container: ImageStatus, then PullImage as {@code imagePullPolicy} says (with
 * credentials from the pod's {@code imagePullSecrets} in the manifest), answering the image reference
 * CreateContainer takes and the user the image runs as.
 */
final class ImagePulls {
    record PulledImage(String ref, ContainerTranslation.ImageUser user) {}

    private final ImageServiceGrpc.ImageServiceBlockingStub images;

    ImagePulls(ImageServiceGrpc.ImageServiceBlockingStub images) {
        this.images = images;
    }

    PulledImage ensure(Pod pod, Container c, String field, Manifests manifests, PodSandboxConfig sandbox)
            throws PlayException {
        String object = PodTranslation.object(pod);
        String image = c.getImage();
        if (image == null || image.isEmpty()) {
            throw PlayException.field(object, field + ".image", "is required");
        }
        Optional<Image> present = status(image);
        String policy = c.getImagePullPolicy();
        if (policy.equals("Never") && present.isEmpty()) {
            throw PlayException.field(
                    object, field + ".image", "image \"" + image + "\" is not present and imagePullPolicy is Never");
        }
        String ref;
        if (policy.equals("Always") || present.isEmpty()) {
            PullImageRequest.Builder pull = PullImageRequest.newBuilder()
                    .setImage(ImageSpec.newBuilder().setImage(image))
                    .setSandboxConfig(sandbox);
            auth(pod, image, manifests).ifPresent(pull::setAuth);
            try {
                ref = images.pullImage(pull.build()).getImageRef();
            } catch (StatusRuntimeException e) {
                throw PlayException.field(
                        object,
                        field + ".image",
                        "pulling \"" + image + "\": " + e.getStatus().getCode() + ": "
                                + e.getStatus().getDescription());
            }
        } else {
            ref = present.get().getId();
        }
        Image pulled = status(ref)
                .orElseThrow(() -> PlayException.field(
                        object, field + ".image", "image \"" + image + "\" vanished after its pull"));
        ContainerTranslation.ImageUser user;
        if (pulled.hasUid()) {
            user = new ContainerTranslation.ImageUser(pulled.getUid().getValue(), "");
        } else if (!pulled.getUsername().isEmpty()) {
            user = new ContainerTranslation.ImageUser(null, pulled.getUsername());
        } else {
            // kubelet treats an image that names no user as root.
            user = ContainerTranslation.ImageUser.ROOT;
        }
        return new PulledImage(ref, user);
    }

    private Optional<Image> status(String image) {
        Image found = images.imageStatus(ImageStatusRequest.newBuilder()
                        .setImage(ImageSpec.newBuilder().setImage(image))
                        .build())
                .getImage();
        return found.getId().isEmpty() ? Optional.empty() : Optional.of(found);
    }

    /** The first pull secret with an entry for the image's registry, as kubelet's keyring looks it up. */
    static Optional<AuthConfig> auth(Pod pod, String image, Manifests manifests) throws PlayException {
        String registry = registry(image);
        int i = 0;
        for (LocalObjectReference ref : pod.getSpec().getImagePullSecrets()) {
            String field = "spec.imagePullSecrets[" + i++ + "]";
            Secret secret = manifests
                    .secret(pod.getMetadata().getNamespace(), ref.getName())
                    .orElseThrow(() -> PlayException.field(
                            PodTranslation.object(pod),
                            field + ".name",
                            "secret \"" + pod.getMetadata().getNamespace() + "/" + ref.getName()
                                    + "\" is not in the manifest"));
            Map<String, byte[]> data = ContainerEnvironment.secretData(secret);
            JsonNode auths;
            if (data.containsKey(".dockerconfigjson")) {
                auths = JsonMapper.shared()
                        .readTree(data.get(".dockerconfigjson"))
                        .path("auths");
            } else if (data.containsKey(".dockercfg")) {
                auths = JsonMapper.shared().readTree(data.get(".dockercfg"));
            } else {
                throw PlayException.field(
                        PodTranslation.object(pod),
                        field,
                        "secret \"" + ref.getName() + "\" holds neither .dockerconfigjson nor .dockercfg");
            }
            for (Map.Entry<String, JsonNode> entry : auths.properties()) {
                if (!registry(entry.getKey(), true).equals(registry)) {
                    continue;
                }
                JsonNode e = entry.getValue();
                String username = e.path("username").asString("");
                String password = e.path("password").asString("");
                String encoded = e.path("auth").asString("");
                if (username.isEmpty() && !encoded.isEmpty()) {
                    String decoded = new String(Base64.getDecoder().decode(encoded), StandardCharsets.UTF_8);
                    int colon = decoded.indexOf(':');
                    username = colon < 0 ? decoded : decoded.substring(0, colon);
                    password = colon < 0 ? "" : decoded.substring(colon + 1);
                }
                return Optional.of(AuthConfig.newBuilder()
                        .setUsername(username)
                        .setPassword(password)
                        .setAuth(encoded)
                        .setServerAddress(registry)
                        .setIdentityToken(e.path("identitytoken").asString(""))
                        .build());
            }
        }
        return Optional.empty();
    }

    static String registry(String image) {
        return registry(image, false);
    }

    /** The registry host of an image reference, or of a docker config key (which may carry a scheme and path). */
    private static String registry(String reference, boolean configKey) {
        String s = reference;
        if (configKey) {
            s = s.replaceFirst("^https?://", "");
            int slash = s.indexOf('/');
            String host = slash < 0 ? s : s.substring(0, slash);
            return host.equals("index.docker.io") || host.equals("registry-1.docker.io") ? "docker.io" : host;
        }
        int slash = s.indexOf('/');
        if (slash < 0) {
            return "docker.io";
        }
        String first = s.substring(0, slash);
        return first.contains(".") || first.contains(":") || first.equals("localhost") ? first : "docker.io";
    }
}
