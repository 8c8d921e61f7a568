package dev.jcri.sandbox.ns;

import dev.jcri.linux.Mount;
import dev.jcri.linux.Namespaces;
import dev.jcri.linux.OpenFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A pod's network, IPC and UTS namespaces, created without any process: a dedicated platform thread unshares
 * them, sets the hostname and the pod's sysctls from inside, and bind-mounts its own namespace files onto pin
 * files; then the thread ends and only the pins keep the namespaces alive. Containers join them by path.
 *
 * <p>The thread is never reused, so no other code ever runs in the pod's namespaces by accident.
 */
public final class PinnedNamespaces {
    public enum Kind {
        /** Only for pods with their own users; it owns the pod's other namespaces. */
        USER("user", Namespaces.CLONE_NEWUSER),
        NET("net", Namespaces.CLONE_NEWNET),
        IPC("ipc", Namespaces.CLONE_NEWIPC),
        UTS("uts", Namespaces.CLONE_NEWUTS);

        private final String file;
        private final int flag;

        Kind(String file, int flag) {
            this.file = file;
            this.flag = flag;
        }

        public String file() {
            return file;
        }

        /** util-linux unshare's option for this namespace. */
        String unshareOption() {
            return "--" + file;
        }
    }

    private PinnedNamespaces() {}

    /** Where the pin of {@code kind} for a sandbox lives: {@code <nsRoot>/<kind>/<sandboxId>}. */
    public static Path pinPath(Path nsRoot, Kind kind, String sandboxId) {
        return nsRoot.resolve(kind.file()).resolve(sandboxId);
    }

    /**
     * Creates the namespaces of {@code kinds} and pins them; {@code hostname} applies when UTS is among them.
     * With {@link Kind#USER} among them, {@code users} gives its mappings and the others are created inside it.
     * On failure nothing remains: no pin file, no mount, no namespace.
     *
     * @return the pin paths, in the order of {@code kinds}
     */
    public static List<Path> create(
            Path nsRoot,
            String sandboxId,
            List<Kind> kinds,
            String hostname,
            List<ProcSysWrite> sysctls,
            UserMappings users)
            throws IOException, InterruptedException {
        if (kinds.contains(Kind.USER)) {
            return createInUserNamespace(nsRoot, sandboxId, kinds, hostname, sysctls, users);
        }
        List<Path> pins = new ArrayList<>();
        createPinFiles(nsRoot, sandboxId, kinds, pins);
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread worker = Thread.ofPlatform()
                .name("pin-" + sandboxId.substring(0, 12))
                .start(() -> {
                    try {
                        int flags = 0;
                        for (Kind kind : kinds) {
                            flags |= kind.flag;
                        }
                        if (flags != 0) {
                            Namespaces.unshare(flags);
                        }
                        if (kinds.contains(Kind.UTS) && hostname != null && !hostname.isEmpty()) {
                            Namespaces.sethostname(hostname);
                        }
                        for (ProcSysWrite sysctl : sysctls) {
                            writeSysctl(sysctl);
                        }
                        for (int i = 0; i < kinds.size(); i++) {
                            Mount.mount(
                                    "/proc/thread-self/ns/" + kinds.get(i).file(),
                                    pins.get(i).toString(),
                                    null,
                                    Mount.MS_BIND,
                                    null);
                        }
                    } catch (Throwable t) {
                        failure.set(t);
                    }
                });
        worker.join();
        if (failure.get() != null) {
            release(pins);
            Throwable t = failure.get();
            if (t instanceof IOException io) {
                throw io;
            }
            if (t instanceof IllegalArgumentException bad) {
                throw bad;
            }
            throw new IOException("creating namespaces for sandbox " + sandboxId + " failed: " + t, t);
        }
        return pins;
    }

    /** The empty files the namespaces get bind-mounted on, added to {@code pins} as they are made. */
    private static void createPinFiles(Path nsRoot, String sandboxId, List<Kind> kinds, List<Path> pins)
            throws IOException {
        for (Kind kind : kinds) {
            Path pin = pinPath(nsRoot, kind, sandboxId);
            Files.createDirectories(pin.getParent());
            Files.deleteIfExists(pin);
            Files.createFile(pin);
            pins.add(pin);
        }
    }

    /**
     * The user namespace comes from a {@link NamespaceHolder} process, mapped and pinned with the namespaces it
     * owns; hostname and sysctls are then set from a thread that joins the pinned net, IPC and UTS namespaces
     * (jcri, root of the node's user namespace, may enter and administer namespaces of any child one).
     */
    private static List<Path> createInUserNamespace(
            Path nsRoot,
            String sandboxId,
            List<Kind> kinds,
            String hostname,
            List<ProcSysWrite> sysctls,
            UserMappings users)
            throws IOException, InterruptedException {
        if (users == null) {
            throw new IllegalArgumentException("a user namespace needs its ID mappings");
        }
        List<Path> pins = new ArrayList<>();
        try {
            createPinFiles(nsRoot, sandboxId, kinds, pins);
            try (NamespaceHolder holder = NamespaceHolder.start(
                    kinds.stream().filter(k -> k != Kind.USER).toList())) {
                holder.map(users);
                for (int i = 0; i < kinds.size(); i++) {
                    Mount.mount(
                            holder.namespaceFile(kinds.get(i).file()).toString(),
                            pins.get(i).toString(),
                            null,
                            Mount.MS_BIND,
                            null);
                }
            }
            List<Path> joined = new ArrayList<>();
            for (int i = 0; i < kinds.size(); i++) {
                if (kinds.get(i) != Kind.USER) {
                    joined.add(pins.get(i));
                }
            }
            String utsHostname = kinds.contains(Kind.UTS) ? hostname : null;
            callInside(joined, () -> {
                if (utsHostname != null && !utsHostname.isEmpty()) {
                    Namespaces.sethostname(utsHostname);
                }
                for (ProcSysWrite sysctl : sysctls) {
                    writeSysctl(sysctl);
                }
                return null;
            });
            return pins;
        } catch (Exception e) {
            release(pins);
            if (e instanceof IOException io) {
                throw io;
            }
            if (e instanceof InterruptedException interrupted) {
                throw interrupted;
            }
            if (e instanceof RuntimeException runtime) {
                throw runtime;
            }
            throw new IOException("creating namespaces for sandbox " + sandboxId + " failed: " + e, e);
        }
    }

    private static void writeSysctl(ProcSysWrite sysctl) throws IOException {
        try {
            Files.writeString(sysctl.path(), sysctl.value());
        } catch (NoSuchFileException e) {
            throw new IllegalArgumentException(
                    "sysctl " + sysctlName(sysctl.path()) + " does not exist in this kernel or namespace");
        } catch (IOException e) {
            throw new IllegalArgumentException("sysctl " + sysctlName(sysctl.path()) + "=" + sysctl.value()
                    + " refused by the kernel: " + e.getMessage());
        }
    }

    private static String sysctlName(Path path) {
        return Path.of("/proc/sys").relativize(path).toString().replace('/', '.');
    }

    /**
     * Pins a namespace a process already has (the infra container's PID namespace): the pin keeps naming that
     * namespace even when the process's PID is reused later.
     */
    public static Path pinExisting(Path pin, Path source) throws IOException {
        Files.createDirectories(pin.getParent());
        Files.deleteIfExists(pin);
        Files.createFile(pin);
        try {
            Mount.mount(source.toString(), pin.toString(), null, Mount.MS_BIND, null);
        } catch (IOException e) {
            Files.deleteIfExists(pin);
            throw e;
        }
        return pin;
    }

    /** Unmounts and deletes pins; missing ones are fine, so release is idempotent. */
    public static void release(List<Path> pins) throws IOException {
        IOException first = null;
        for (Path pin : pins) {
            try {
                unpin(pin);
            } catch (IOException e) {
                first = first == null ? e : first;
            }
        }
        if (first != null) {
            throw first;
        }
    }

    private static void unpin(Path pin) throws IOException {
        if (!Files.exists(pin)) {
            return;
        }
        // Not a mount point when creation failed before the bind mount; the file still goes.
        Mount.detach(pin.toString());
        Files.deleteIfExists(pin);
    }

    /** Runs {@code action} on a fresh platform thread that has joined the namespace pinned at {@code pin}. */
    public static <T> T callInside(Path pin, Callable<T> action) throws Exception {
        return callInside(List.of(pin), action);
    }

    /** Runs {@code action} on a fresh platform thread that has joined every namespace pinned at {@code pins}. */
    public static <T> T callInside(List<Path> pins, Callable<T> action) throws Exception {
        AtomicReference<T> result = new AtomicReference<>();
        AtomicReference<Exception> failure = new AtomicReference<>();
        Thread worker = Thread.ofPlatform().name("in-ns").start(() -> {
            try {
                for (Path pin : pins) {
                    int fd = OpenFiles.openReadOnly(pin.toString());
                    try {
                        Namespaces.setns(fd, 0);
                    } finally {
                        OpenFiles.close(fd);
                    }
                }
                result.set(action.call());
            } catch (Exception e) {
                failure.set(e);
            }
        });
        worker.join();
        if (failure.get() != null) {
            throw failure.get();
        }
        return result.get();
    }
}
