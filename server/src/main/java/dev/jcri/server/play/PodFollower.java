package dev.jcri.server.play;

import dev.jcri.cri.v1.ContainerState;
import dev.jcri.cri.v1.ContainerStatus;
import dev.jcri.cri.v1.RemoveContainerRequest;
import dev.jcri.cri.v1.StopContainerRequest;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Probe;
import io.grpc.StatusRuntimeException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import sun.misc.Signal;

/**
 * {@code jcri play --follow}: the part of kubelet that watches a running pod. Each app container's log is printed
 * with a {@code [pod/container]} prefix; an exited container is restarted as {@code restartPolicy} says, after
 * kubelet's back-off; startup, liveness and readiness probes run on their schedule, and a failed liveness or
 * startup probe stops the container (which the restart policy then restarts). SIGINT or SIGTERM stops every pod
 * with its {@code terminationGracePeriodSeconds} and removes it.
 */
public final class PodFollower {
    private static final long STATUS_POLL_MILLIS = 200;

    private final PodRunner runner;
    private final Manifests manifests;
    private final Duration initialBackoff;
    private final PrintStream out;
    private final CountDownLatch stop = new CountDownLatch(1);
    private final AtomicBoolean stopping = new AtomicBoolean();
    private final ConcurrentHashMap<String, Integer> finalCodes = new ConcurrentHashMap<>();

    public PodFollower(PodRunner runner, Manifests manifests, Duration initialBackoff, PrintStream out) {
        this.runner = runner;
        this.manifests = manifests;
        this.initialBackoff = initialBackoff;
        this.out = out;
    }

    /** Runs until every container ended for good (0 when all exited 0) or a signal stopped and removed the pods. */
    public int follow(List<PodRunner.RunningPod> pods) throws InterruptedException {
        Signal.handle(new Signal("INT"), s -> stop.countDown());
        Signal.handle(new Signal("TERM"), s -> stop.countDown());
        List<Thread> watchers = new ArrayList<>();
        for (PodRunner.RunningPod pod : pods) {
            for (PodRunner.StartedContainer c : pod.containers().values()) {
                watchers.add(
                        Thread.ofVirtual().name("watch " + c.spec().getName()).start(() -> watch(pod, c)));
            }
        }
        Thread.ofVirtual().start(() -> {
            for (Thread watcher : watchers) {
                try {
                    watcher.join();
                } catch (InterruptedException e) {
                    return;
                }
            }
            stop.countDown();
        });
        stop.await();
        if (watchers.stream().anyMatch(Thread::isAlive)) {
            stopping.set(true);
            for (PodRunner.RunningPod pod : pods) {
                out.println("stopping pod " + name(pod.pod()) + " (grace period "
                        + pod.pod().getSpec().getTerminationGracePeriodSeconds() + " s)");
                runner.removePod(pod);
                out.println("removed pod " + name(pod.pod()));
            }
            for (Thread watcher : watchers) {
                watcher.interrupt();
                watcher.join(TimeUnit.SECONDS.toMillis(10));
            }
            return 0;
        }
        for (PodRunner.RunningPod pod : pods) {
            out.println("every container of pod " + name(pod.pod()) + " has ended; jcri play --down removes it");
        }
        return finalCodes.values().stream().allMatch(code -> code == 0) ? 0 : 1;
    }

    private void watch(PodRunner.RunningPod pod, PodRunner.StartedContainer first) {
        String prefix =
                "[" + pod.pod().getMetadata().getName() + "/" + first.spec().getName() + "] ";
        RestartBackoff backoff = new RestartBackoff(initialBackoff);
        PodRunner.StartedContainer current = first;
        String previousExited = null;
        try {
            while (!stopping.get()) {
                ContainerLogStream log = ContainerLogStream.start(
                        Path.of(pod.sandboxConfig().getLogDirectory())
                                .resolve(current.spec().getName())
                                .resolve(current.restartCount() + ".log"),
                        prefix,
                        out);
                List<Thread> probes = startProbes(pod, current, prefix);
                ContainerStatus exited = awaitExit(current.id());
                probes.forEach(Thread::interrupt);
                log.finish();
                if (exited == null || stopping.get()) {
                    return;
                }
                out.println(prefix + "exited with code " + exited.getExitCode()
                        + (exited.getReason().isEmpty() ? "" : " (" + exited.getReason() + ")"));
                String policy = pod.pod().getSpec().getRestartPolicy();
                boolean restart = policy.equals("Always") || (policy.equals("OnFailure") && exited.getExitCode() != 0);
                if (!restart) {
                    finalCodes.put(prefix, exited.getExitCode());
                    return;
                }
                Instant finished = Instant.ofEpochSecond(0, exited.getFinishedAt());
                Duration wait = backoff.next(finished);
                Duration left = Duration.between(Instant.now(), finished.plus(wait));
                if (!wait.isZero()) {
                    out.println(prefix + "back-off " + wait.toMillis() + " ms before restart "
                            + (current.restartCount() + 1));
                }
                if (!left.isNegative()) {
                    Thread.sleep(left.toMillis());
                }
                if (stopping.get()) {
                    return;
                }
                // kubelet keeps a container's last exited instance; older ones go.
                if (previousExited != null) {
                    removeQuietly(previousExited);
                }
                previousExited = current.id();
                current = runner.startContainer(
                        pod, current.spec(), current.field(), current.restartCount() + 1, manifests);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (PlayException | StatusRuntimeException e) {
            if (!stopping.get()) {
                out.println(prefix + "cannot restart: " + e.getMessage());
                finalCodes.put(prefix, -1);
            }
        }
    }

    private ContainerStatus awaitExit(String id) throws InterruptedException {
        while (!stopping.get()) {
            ContainerStatus status;
            try {
                status = runner.status(id);
            } catch (StatusRuntimeException e) {
                return null;
            }
            if (status.getState() == ContainerState.CONTAINER_EXITED) {
                return status;
            }
            Thread.sleep(STATUS_POLL_MILLIS);
        }
        return null;
    }

    private List<Thread> startProbes(PodRunner.RunningPod pod, PodRunner.StartedContainer c, String prefix) {
        List<Thread> threads = new ArrayList<>();
        Probe startup = c.spec().getStartupProbe();
        Runnable afterStartup = () -> {
            if (c.spec().getLivenessProbe() != null) {
                threads.add(Thread.ofVirtual()
                        .start(() -> probe("liveness", c.spec().getLivenessProbe(), pod, c, prefix)));
            }
            if (c.spec().getReadinessProbe() != null) {
                threads.add(Thread.ofVirtual()
                        .start(() -> probe("readiness", c.spec().getReadinessProbe(), pod, c, prefix)));
            }
        };
        if (startup != null) {
            threads.add(Thread.ofVirtual().start(() -> {
                if (probe("startup", startup, pod, c, prefix)) {
                    afterStartup.run();
                }
            }));
        } else {
            afterStartup.run();
        }
        return threads;
    }

    /**
     * Runs one probe on its schedule. Startup answers true once it succeeded; liveness and startup stop the
     * container after {@code failureThreshold} failures in a row; readiness prints its changes.
     */
    private boolean probe(
            String kind, Probe probe, PodRunner.RunningPod pod, PodRunner.StartedContainer c, String prefix) {
        String podIp =
                pod.podIps().isEmpty() ? runner.node().hostIp() : pod.podIps().getFirst();
        int failures = 0;
        int successes = 0;
        Boolean ready = null;
        try {
            Thread.sleep(TimeUnit.SECONDS.toMillis(probe.getInitialDelaySeconds()));
            while (!Thread.currentThread().isInterrupted()) {
                String failure = ContainerProbe.run(probe, c.spec(), c.id(), podIp, runner.runtime());
                if (Thread.currentThread().isInterrupted()) {
                    return false;
                }
                if (failure == null) {
                    successes++;
                    failures = 0;
                    if (successes >= probe.getSuccessThreshold()) {
                        if (kind.equals("startup")) {
                            out.println(prefix + "startup probe succeeded");
                            return true;
                        }
                        if (kind.equals("readiness") && !Boolean.TRUE.equals(ready)) {
                            out.println(prefix + "ready");
                            ready = true;
                        }
                    }
                } else {
                    failures++;
                    successes = 0;
                    if (failures >= probe.getFailureThreshold()) {
                        if (kind.equals("readiness")) {
                            if (!Boolean.FALSE.equals(ready)) {
                                out.println(prefix + "not ready: " + failure);
                                ready = false;
                            }
                        } else {
                            long grace = probe.getTerminationGracePeriodSeconds() != null
                                    ? probe.getTerminationGracePeriodSeconds()
                                    : pod.pod().getSpec().getTerminationGracePeriodSeconds();
                            out.println(prefix + kind + " probe failed " + failures + " times (" + failure
                                    + "); stopping the container");
                            runner.runtime()
                                    .stopContainer(StopContainerRequest.newBuilder()
                                            .setContainerId(c.id())
                                            .setTimeout(grace)
                                            .build());
                            return false;
                        }
                    }
                }
                Thread.sleep(TimeUnit.SECONDS.toMillis(probe.getPeriodSeconds()));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (StatusRuntimeException e) {
            out.println(prefix + kind + " probe: " + e.getStatus().getCode() + ": "
                    + e.getStatus().getDescription());
        }
        return false;
    }

    private void removeQuietly(String containerId) {
        try {
            runner.runtime()
                    .removeContainer(RemoveContainerRequest.newBuilder()
                            .setContainerId(containerId)
                            .build());
        } catch (StatusRuntimeException e) {
            // A container already gone needs no removal.
        }
    }

    private static String name(Pod pod) {
        return pod.getMetadata().getNamespace() + "/" + pod.getMetadata().getName();
    }
}
