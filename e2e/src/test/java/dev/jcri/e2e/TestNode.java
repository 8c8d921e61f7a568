package dev.jcri.e2e;

import dev.jcri.cri.v1.ImageSpec;
import dev.jcri.cri.v1.ListPodSandboxRequest;
import dev.jcri.cri.v1.PodSandbox;
import dev.jcri.cri.v1.PullImageRequest;
import dev.jcri.cri.v1.RemovePodSandboxRequest;
import dev.jcri.e2e.registry.LocalRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * A jcri daemon for one test class, with a registry on loopback that it trusts and, when asked, a CNI network of
 * its own. Closing it removes every pod the tests left (and so their containers, mounts and IPs), then stops the
 * daemon, deletes the bridge and stops the registry, even when a step fails.
 */
public final class TestNode implements AutoCloseable {
    /** What a test class prepares before its daemon starts: images to push, drop-ins to write. */
    @FunctionalInterface
    public interface Setup {
        void prepare(LocalRegistry registry, Path stateDir) throws Exception;
    }

    private final LocalRegistry registry;
    private final TestNetwork network;
    private final List<String> launcher;
    private final List<String> jcriArgs;
    private JcriProcess jcri;

    private TestNode(
            LocalRegistry registry,
            TestNetwork network,
            List<String> launcher,
            List<String> jcriArgs,
            JcriProcess jcri) {
        this.registry = registry;
        this.network = network;
        this.launcher = launcher;
        this.jcriArgs = jcriArgs;
        this.jcri = jcri;
    }

    /** @param jcriArgs extra daemon flags, which may name the registry (a pause image on it) */
    public static TestNode start(boolean ownNetwork, Setup setup, Function<LocalRegistry, List<String>> jcriArgs)
            throws Exception {
        return start(JcriProcess.jarLauncher(), ownNetwork, setup, jcriArgs);
    }

    /** As {@link #start(boolean, Setup, Function)}, the daemon run by {@code launcher} (e.g. {@code bin/jcri}). */
    public static TestNode start(
            List<String> launcher, boolean ownNetwork, Setup setup, Function<LocalRegistry, List<String>> jcriArgs)
            throws Exception {
        LocalRegistry registry = LocalRegistry.start();
        TestNetwork network = null;
        try {
            Path dir = JcriProcess.newStateDir();
            network = ownNetwork ? TestNetwork.create(dir) : null;
            Files.writeString(dir.resolve("registries.conf"), """
                    [[registry]]
                    prefix = "%1$s"
                    location = "%1$s"
                    insecure = true
                    """.formatted(registry.hostPort()));
            setup.prepare(registry, dir);
            List<String> args = jcriArgs.apply(registry);
            return new TestNode(registry, network, launcher, args, JcriProcess.start(launcher, dir, args, Map.of()));
        } catch (Exception | Error e) {
            try {
                if (network != null) {
                    network.removeBridge();
                }
            } finally {
                registry.close();
            }
            throw e;
        }
    }

    public static TestNode start(boolean ownNetwork, Setup setup) throws Exception {
        return start(ownNetwork, setup, registry -> List.of());
    }

    public JcriProcess jcri() {
        return jcri;
    }

    /** kill -9 of the daemon, then a new one on the same state dir, as after a crash; returns the new one. */
    public JcriProcess killAndRestart() throws Exception {
        return killAndRestart(dir -> {}, Map.of());
    }

    /** What happens to the node while its daemon is down (files a crash left, or lost). */
    @FunctionalInterface
    public interface WhileDown {
        void run(Path stateDir) throws Exception;
    }

    /** As {@link #killAndRestart()}, with {@code whileDown} run between the kill and the restart. */
    public JcriProcess killAndRestart(WhileDown whileDown) throws Exception {
        return killAndRestart(whileDown, Map.of());
    }

    /**
     * Like {@link #killAndRestart()} (a daemon that died already is just restarted), the new daemon with extra
     * environment, e.g. {@code JCRI_CRASH_AT}.
     */
    public JcriProcess killAndRestart(Map<String, String> env) throws Exception {
        return killAndRestart(dir -> {}, env);
    }

    private JcriProcess killAndRestart(WhileDown whileDown, Map<String, String> env) throws Exception {
        jcri.kill();
        whileDown.run(jcri.dir());
        jcri = JcriProcess.start(launcher, jcri.dir(), jcriArgs, env);
        return jcri;
    }

    public TestNetwork network() {
        return network;
    }

    /** Pulls {@code name} (repository:tag on this node's registry) and returns its full reference. */
    public String pull(String name) {
        String image = registry.hostPort() + "/" + name;
        jcri.images()
                .pullImage(PullImageRequest.newBuilder()
                        .setImage(ImageSpec.newBuilder().setImage(image))
                        .build());
        return image;
    }

    public String registryHostPort() {
        return registry.hostPort();
    }

    @Override
    public void close() throws Exception {
        try {
            if (jcri.process().isAlive()) {
                for (PodSandbox sandbox : jcri.runtime()
                        .listPodSandbox(ListPodSandboxRequest.getDefaultInstance())
                        .getItemsList()) {
                    jcri.runtime()
                            .removePodSandbox(RemovePodSandboxRequest.newBuilder()
                                    .setPodSandboxId(sandbox.getId())
                                    .build());
                }
            }
        } finally {
            try {
                jcri.close();
            } finally {
                try {
                    if (network != null) {
                        network.removeBridge();
                    }
                } finally {
                    registry.close();
                }
            }
        }
    }
}
