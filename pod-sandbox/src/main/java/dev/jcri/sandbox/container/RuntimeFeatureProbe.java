package dev.jcri.sandbox.container;

import dev.jcri.sandbox.checkpoint.CriuCheck;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What an OCI runtime binary on this kernel can do beyond the basics, asked once per binary: recursive read-only
 * mounts need mount_setattr (Linux 5.12) and a runtime that applies {@code rro} (one that does not would pass it
 * to mount(2) as data, which a bind mount ignores: the submounts would stay writable without a word).
 */
public final class RuntimeFeatureProbe {
    private static final Map<Path, Boolean> RECURSIVE_READ_ONLY = new ConcurrentHashMap<>();
    private static final Map<Path, Optional<String>> USER_NAMESPACES = new ConcurrentHashMap<>();
    private static final Map<Path, Optional<String>> CHECKPOINTS = new ConcurrentHashMap<>();
    private static final Map<Path, Optional<String>> VERSIONS = new ConcurrentHashMap<>();
    private static final Pattern CRUN_VERSION = Pattern.compile("crun version (\\d+)\\.(\\d+)(?:\\.(\\d+))?");

    private RuntimeFeatureProbe() {}

    public static boolean recursiveReadOnly(Path runtime) {
        return RECURSIVE_READ_ONLY.computeIfAbsent(runtime, RuntimeFeatureProbe::probeRecursiveReadOnly);
    }

    private static boolean probeRecursiveReadOnly(Path runtime) {
        if (!kernelAtLeast(5, 12)) {
            return false;
        }
        // Runtimes that have "features" (runtime-spec 1.1) list the mount options they know.
        String features = output(runtime, "features");
        if (features != null && features.contains("\"mountOptions\"")) {
            return features.contains("\"rro\"");
        }
        // crun before "features": it applies rro since 1.8.1 (checked: submounts come out read-only).
        String version = version(runtime);
        Matcher crun = version == null ? null : CRUN_VERSION.matcher(version);
        if (crun != null && crun.find()) {
            int major = Integer.parseInt(crun.group(1));
            int minor = Integer.parseInt(crun.group(2));
            int patch = crun.group(3) == null ? 0 : Integer.parseInt(crun.group(3));
            return major > 1 || (major == 1 && (minor > 8 || (minor == 8 && patch >= 1)));
        }
        return false;
    }

    /**
     * Why pods with their own users must not run under {@code runtime}, empty when they may. A runtime chowns the
     * container's stdio to the container's root when it joins a user namespace; crun before 1.24 does that to a
     * /dev/null stdin too (conmon gives one to every container without stdin), handing the node's /dev/null to an
     * unprivileged host user (crun issue 1845). runc has skipped /dev/null since 2015.
     */
    public static Optional<String> userNamespaceProblem(Path runtime) {
        return USER_NAMESPACES.computeIfAbsent(runtime, RuntimeFeatureProbe::probeUserNamespaces);
    }

    private static Optional<String> probeUserNamespaces(Path runtime) {
        String version = version(runtime);
        if (version == null) {
            return Optional.of(runtime + " --version failed");
        }
        Matcher crun = CRUN_VERSION.matcher(version);
        if (crun.find()) {
            int major = Integer.parseInt(crun.group(1));
            int minor = Integer.parseInt(crun.group(2));
            return major > 1 || (major == 1 && minor >= 24)
                    ? Optional.empty()
                    : Optional.of("crun " + crun.group(1) + "." + crun.group(2)
                            + " would chown the node's /dev/null to the pod's root (fixed in crun 1.24)");
        }
        if (version.startsWith("runc version")) {
            return Optional.empty();
        }
        return Optional.of(runtime + " is neither crun nor runc; jcri does not know how it treats /dev/null");
    }

    /**
     * Why containers of {@code runtime} cannot be checkpointed on this node, empty when they can: runc drives the
     * {@code criu} binary itself; crun only when built with CRIU (its {@code --version} lists {@code +CRIU},
     * which Debian 12's crun 1.8.1 does not); and CRIU must pass {@code criu check} on this kernel.
     */
    public static Optional<String> checkpointProblem(Path runtime) {
        return CHECKPOINTS.computeIfAbsent(runtime, RuntimeFeatureProbe::probeCheckpoint);
    }

    private static Optional<String> probeCheckpoint(Path runtime) {
        List<String> problems = new ArrayList<>();
        String version = version(runtime);
        if (version == null) {
            problems.add(runtime + " --version failed");
        } else if (CRUN_VERSION.matcher(version).find() && !version.contains("+CRIU")) {
            problems.add(runtime + " was built without CRIU support (its --version lists no +CRIU); use a runc "
                    + "runtime handler");
        } else if (!version.startsWith("runc version")
                && !CRUN_VERSION.matcher(version).find()) {
            problems.add(runtime + " is neither crun nor runc; jcri does not know whether it can checkpoint");
        }
        CriuCheck.ofNode().problem().ifPresent(problems::add);
        return problems.isEmpty() ? Optional.empty() : Optional.of(String.join("; ", problems));
    }

    static boolean kernelAtLeast(int major, int minor) {
        try (InputStream in = Files.newInputStream(Path.of("/proc/sys/kernel/osrelease"))) {
            Matcher version = Pattern.compile("^(\\d+)\\.(\\d+)")
                    .matcher(new String(in.readNBytes(256), StandardCharsets.US_ASCII));
            if (!version.find()) {
                return false;
            }
            int kernelMajor = Integer.parseInt(version.group(1));
            int kernelMinor = Integer.parseInt(version.group(2));
            return kernelMajor > major || (kernelMajor == major && kernelMinor >= minor);
        } catch (IOException e) {
            return false;
        }
    }

    /** The runtime's {@code --version} text (null if it failed), asked once for all the probes. */
    private static String version(Path runtime) {
        return VERSIONS.computeIfAbsent(runtime, r -> Optional.ofNullable(output(r, "--version")))
                .orElse(null);
    }

    private static String output(Path runtime, String argument) {
        try {
            Process process = new ProcessBuilder(runtime.toString(), argument)
                    .redirectErrorStream(true)
                    .start();
            process.getOutputStream().close();
            String text = new String(process.getInputStream().readNBytes(256 * 1024), StandardCharsets.UTF_8);
            if (!process.waitFor(5, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                return null;
            }
            return process.exitValue() == 0 ? text : null;
        } catch (IOException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }
}
