package dev.jcri.sandbox.container;

/** kubelet's container naming scheme: {@code k8s_<container>_<pod>_<namespace>_<uid>_<attempt>}. */
public final class ContainerName {
    private ContainerName() {}

    public static String of(String container, String pod, String namespace, String uid, long attempt) {
        if (container == null || container.isBlank()) {
            throw new IllegalArgumentException("metadata.name: required");
        }
        if (container.contains("_") || container.chars().anyMatch(c -> c <= ' ')) {
            throw new IllegalArgumentException("metadata.name: \"" + container
                    + "\" must not contain '_' or whitespace (it is part of the container's unique name)");
        }
        return "k8s_" + container + "_" + pod + "_" + namespace + "_" + uid + "_" + attempt;
    }
}
