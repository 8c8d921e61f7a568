package dev.jcri.sandbox.pod;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class SandboxNameTest {
    private static final String UID = "0b4c3f0e-6a7d-4c8e-9d1a-2f3b4c5d6e7f";

    private static String refusal(String name, String namespace, String uid, long attempt) {
        return assertThrows(IllegalArgumentException.class, () -> SandboxName.of(name, namespace, uid, attempt))
                .getMessage();
    }

    @Test
    void kubeletsScheme() {
        assertEquals("k8s_POD_web-0_default_" + UID + "_0", SandboxName.of("web-0", "default", UID, 0));
        assertEquals(
                "k8s_POD_coredns-5d78c9869d-abcde_kube-system_" + UID + "_3",
                SandboxName.of("coredns-5d78c9869d-abcde", "kube-system", UID, 3));
    }

    @Test
    void attemptIsAUint32() {
        assertEquals("k8s_POD_a_b_c_4294967295", SandboxName.of("a", "b", "c", 4294967295L));
        assertEquals("k8s_POD_a_b_c_4294967295", SandboxName.of("a", "b", "c", Integer.toUnsignedLong(-1)));
        assertEquals("metadata.attempt: 4294967296 is not a uint32", refusal("a", "b", "c", 4294967296L));
        assertEquals("metadata.attempt: -1 is not a uint32", refusal("a", "b", "c", -1));
    }

    @Test
    void nameNamespaceAndUidAreRequired() {
        assertEquals("metadata.name: required", refusal("", "default", UID, 0));
        assertEquals("metadata.namespace: required", refusal("web-0", "", UID, 0));
        assertEquals("metadata.uid: required", refusal("web-0", "default", "", 0));
        assertEquals("metadata.name: required", refusal(null, "default", UID, 0));
    }

    @Test
    void partsCannotHoldTheSeparatorOrWhitespace() {
        // Without this, name "a_b" in namespace "c" and name "a" in namespace "b_c" would collide.
        assertEquals(
                "metadata.name: \"a_b\" holds '_', which separates the parts of a sandbox name",
                refusal("a_b", "c", UID, 0));
        assertEquals(
                "metadata.namespace: \"b_c\" holds '_', which separates the parts of a sandbox name",
                refusal("a", "b_c", UID, 0));
        assertEquals("metadata.uid: \"x y\" holds whitespace or a control character", refusal("a", "b", "x y", 0));
        assertEquals("metadata.name: \"a\\nb\" holds whitespace or a control character", refusal("a\nb", "b", UID, 0));
    }
}
