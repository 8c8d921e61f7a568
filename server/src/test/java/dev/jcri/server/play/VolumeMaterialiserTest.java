package dev.jcri.server.play;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.Pod;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Volumes on disk as kubelet lays them out; its managed /etc/hosts. */
class VolumeMaterialiserTest {
    @TempDir
    Path state;

    private static Manifests manifests(String spec) throws PlayException {
        return new ManifestReader().read("""
                apiVersion: v1
                kind: ConfigMap
                metadata: {name: cfg}
                data: {a.txt: alpha, b.txt: beta}
                ---
                apiVersion: v1
                kind: Pod
                metadata: {name: p, uid: u-1}
                spec:
                  containers: [{name: c, image: busybox:1.36}]
                """ + spec);
    }

    @Test
    void configMapFilesSitBehindADataLinkWithTheirModes() throws Exception {
        Manifests m = manifests("""
                  volumes:
                  - name: all
                    configMap: {name: cfg}
                  - name: some
                    configMap: {name: cfg, items: [{key: b.txt, path: sub/b, mode: 0600}]}
                  - name: scratch
                    emptyDir: {}
                """);
        Pod pod = m.pods().getFirst();
        PodDefaults.apply(pod);
        VolumeMaterialiser volumes = new VolumeMaterialiser(state);
        volumes.check(pod, m);
        Map<String, VolumeMaterialiser.HostVolume> made = volumes.materialise(pod, m);

        Path all = made.get("all").path();
        assertEquals(state.resolve("pods/u-1/volumes/kubernetes.io~configmap/all"), all);
        assertTrue(made.get("all").readOnly());
        assertEquals("alpha", Files.readString(all.resolve("a.txt")));
        assertEquals(Path.of("..data/a.txt"), Files.readSymbolicLink(all.resolve("a.txt")));
        assertTrue(Files.readSymbolicLink(all.resolve("..data")).toString().startsWith(".."));
        assertEquals("rw-r--r--", PosixFilePermissions.toString(Files.getPosixFilePermissions(all.resolve("a.txt"))));

        Path some = made.get("some").path();
        assertEquals("beta", Files.readString(some.resolve("sub/b")));
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(some.resolve("sub/b"))));
        assertFalse(Files.exists(some.resolve("a.txt"), LinkOption.NOFOLLOW_LINKS));

        Path scratch = made.get("scratch").path();
        assertEquals("rwxrwxrwx", PosixFilePermissions.toString(Files.getPosixFilePermissions(scratch)));
        assertFalse(made.get("scratch").readOnly());

        volumes.remove("u-1");
        assertFalse(Files.exists(state.resolve("pods/u-1")));
    }

    @Test
    void hostsFileIsKubeletsWithHostAliases() throws Exception {
        Manifests m = manifests("""
                  hostname: web-0
                  subdomain: web
                  hostAliases: [{ip: 192.0.2.7, hostnames: [foo.local, bar.local]}]
                """);
        Pod pod = m.pods().getFirst();
        PodDefaults.apply(pod);
        Path hosts = new VolumeMaterialiser(state).writeHosts(pod, List.of("10.88.0.5"), "web-0", "", "cluster.local");
        assertEquals("""
                # Kubernetes-managed hosts file.
                127.0.0.1\tlocalhost
                ::1\tlocalhost ip6-localhost ip6-loopback
                fe00::0\tip6-localnet
                fe00::0\tip6-mcastprefix
                fe00::1\tip6-allnodes
                fe00::2\tip6-allrouters
                10.88.0.5\tweb-0.web.default.svc.cluster.local\tweb-0

                # Entries added by HostAliases.
                192.0.2.7\tfoo.local\tbar.local
                """, Files.readString(hosts));
    }
}
