package dev.jcri.cni;

import dev.jcri.linux.PipeDrain;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Executes one plugin binary: CNI variables in the environment, the config on stdin, the result or error on
 * stdout. No shell is involved; stderr is kept for error messages. A plugin that outlives the timeout is killed
 * together with its children (plugins run iptables and IPAM plugins).
 */
public final class CniPluginRunner {
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(60);

    private static final Logger log = LoggerFactory.getLogger(CniPluginRunner.class);
    private static final int MAX_STDOUT = 16 << 20;
    private static final int MAX_STDERR = 64 << 10;
    // Plugins exec iptables, ip6tables, modprobe...; a daemon started with an empty PATH must not break them.
    private static final String FALLBACK_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
    // Output still buffered in the pipes after the plugin exited arrives within this.
    private static final Duration DRAIN_GRACE = Duration.ofSeconds(5);

    private final CniPluginPath pluginPath;
    private final Duration timeout;

    public CniPluginRunner(CniPluginPath pluginPath, Duration timeout) {
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("CNI plugin timeout must be positive: " + timeout);
        }
        this.pluginPath = pluginPath;
        this.timeout = timeout;
    }

    public CniPluginRunner(CniPluginPath pluginPath) {
        this(pluginPath, DEFAULT_TIMEOUT);
    }

    public CniPluginPath pluginPath() {
        return pluginPath;
    }

    /**
     * Runs plugin {@code type} and returns its stdout (possibly empty) when it exits 0.
     *
     * @param cniVariables CNI_CONTAINERID, CNI_NETNS, CNI_IFNAME, CNI_ARGS as the command needs them;
     *                     CNI_COMMAND and CNI_PATH are set here
     * @throws CniPluginException the plugin failed or timed out
     * @throws CniException       the plugin is not installed or cannot be started
     */
    public byte[] run(String type, CniCommand command, Map<String, String> cniVariables, byte[] stdin)
            throws CniException {
        Path binary = pluginPath.require(type);
        ProcessBuilder builder = new ProcessBuilder(binary.toString());
        Map<String, String> env = builder.environment();
        // Stale CNI_* from jcri's own environment must not reach the plugin.
        env.keySet().removeIf(name -> name.startsWith("CNI_"));
        env.putIfAbsent("PATH", FALLBACK_PATH);
        env.putAll(cniVariables);
        env.put("CNI_COMMAND", command.name());
        env.put("CNI_PATH", pluginPath.cniPath());

        long start = System.nanoTime();
        Process process;
        try {
            process = builder.start();
        } catch (IOException e) {
            throw new CniException("cannot start CNI plugin " + binary + ": " + e.getMessage(), e);
        }
        CompletableFuture<byte[]> stdout =
                PipeDrain.start(process.getInputStream(), MAX_STDOUT, "cni-" + type + "-stdout");
        CompletableFuture<byte[]> stderr =
                PipeDrain.start(process.getErrorStream(), MAX_STDERR, "cni-" + type + "-stderr");
        feed(process.getOutputStream(), stdin, type);
        try {
            if (!process.waitFor(timeout.toNanos(), TimeUnit.NANOSECONDS)) {
                killTree(process);
                throw CniPluginException.timedOut(type, command, timeout);
            }
        } catch (InterruptedException e) {
            killTree(process);
            Thread.currentThread().interrupt();
            InterruptedIOException interrupted =
                    new InterruptedIOException("interrupted while CNI plugin " + type + " " + command + " ran");
            throw new CniException(interrupted.getMessage(), interrupted);
        }
        int exit = process.exitValue();
        byte[] out = collect(stdout, type);
        String err = CniJson.snippet(collect(stderr, type));
        log.debug(
                "CNI plugin ran: plugin={} command={} container={} exit={} tookMs={}",
                type,
                command,
                cniVariables.getOrDefault("CNI_CONTAINERID", "-"),
                exit,
                (System.nanoTime() - start) / 1_000_000);
        if (exit == 0) {
            return out;
        }
        Optional<CniError> error = CniError.parse(out);
        if (error.isPresent()) {
            throw CniPluginException.reported(type, command, error.get(), err);
        }
        throw CniPluginException.exited(type, command, exit, CniJson.snippet(out), err);
    }

    /** Plugins do not have to read stdin (VERSION-only fakes, early failures); EPIPE then is harmless. */
    private static void feed(OutputStream in, byte[] bytes, String type) {
        Thread.ofVirtual().name("cni-" + type + "-stdin").start(() -> {
            try (in) {
                in.write(bytes);
            } catch (IOException e) {
                log.debug("CNI plugin did not read all of stdin: plugin={} error={}", type, e.getMessage());
            }
        });
    }

    /**
     * A child that daemonized with our pipe as its stdout would keep the reader waiting forever; give up on
     * the rest of the output after a grace period instead.
     */
    private static byte[] collect(CompletableFuture<byte[]> output, String type) throws CniException {
        try {
            return output.get(DRAIN_GRACE.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            log.warn("CNI plugin exited but its output pipe stayed open (a child holds it): plugin={}", type);
            return new byte[0];
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CniException("interrupted while reading CNI plugin " + type + " output", e);
        } catch (ExecutionException e) {
            throw new CniException("cannot read CNI plugin " + type + " output", e.getCause());
        }
    }

    /** Children first: once the plugin is gone they are re-parented and no longer found as its descendants. */
    private static void killTree(Process process) {
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
        try {
            process.waitFor(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
