package dev.jcri.sandbox.cgroup;

import java.io.IOException;
import java.util.List;
import java.util.concurrent.locks.ReentrantLock;
import org.freedesktop.dbus.connections.impl.DBusConnection;
import org.freedesktop.dbus.connections.impl.DBusConnectionBuilder;
import org.freedesktop.dbus.exceptions.DBusException;
import org.freedesktop.dbus.exceptions.DBusExecutionException;
import org.freedesktop.dbus.types.UInt32;
import org.freedesktop.dbus.types.Variant;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * systemd's unit manager over the system D-Bus: transient scopes for conmon, their removal, and the list of jcri's
 * units for the orphan sweep. One connection, made on first use and made again after the bus went away, so a
 * restart of dbus or systemd costs the calls in between, not the daemon.
 */
public final class SystemdUnits implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(SystemdUnits.class);
    private static final String DESTINATION = "org.freedesktop.systemd1";
    private static final String OBJECT = "/org/freedesktop/systemd1";
    private static final int CONNECT_TIMEOUT_MILLIS = 2000;

    private final String address;
    private final ReentrantLock connecting = new ReentrantLock();
    private volatile DBusConnection connection;
    private volatile SystemdManager manager;

    /** @param address a D-Bus address such as {@code unix:path=/run/dbus/system_bus_socket} */
    public SystemdUnits(String address) {
        this.address = address;
    }

    public static SystemdUnits systemBus() {
        String fromEnv = System.getenv("DBUS_SYSTEM_BUS_ADDRESS");
        return new SystemdUnits(
                fromEnv != null && !fromEnv.isBlank() ? fromEnv : "unix:path=/run/dbus/system_bus_socket");
    }

    /**
     * Starts a transient scope holding {@code pid} in {@code slice}. systemd collects it once it is empty or
     * failed ({@code CollectMode=inactive-or-failed}), so a scope whose process died leaves no failed unit behind.
     */
    public void startScope(String name, String slice, long pid, String description) throws IOException {
        List<SystemdManager.Property> properties = List.of(
                new SystemdManager.Property("Description", new Variant<>(description)),
                new SystemdManager.Property("Slice", new Variant<>(slice)),
                new SystemdManager.Property("PIDs", new Variant<>(new UInt32[] {new UInt32(pid)})),
                new SystemdManager.Property("Delegate", new Variant<>(Boolean.TRUE)),
                new SystemdManager.Property("CollectMode", new Variant<>("inactive-or-failed")));
        call("start " + name, m -> m.startTransientUnit(name, "fail", properties, List.of()));
    }

    /** Stops a unit and forgets its failure; a unit systemd does not know is fine. */
    public void stop(String name) throws IOException {
        try {
            call("stop " + name, m -> m.stopUnit(name, "replace"));
        } catch (NoSuchUnit e) {
            // Gone already: a scope is collected when its last process ends.
        }
        try {
            call("reset-failed " + name, m -> {
                m.resetFailedUnit(name);
                return null;
            });
        } catch (NoSuchUnit e) {
            // Not failed, or collected.
        }
    }

    /** Names of the loaded units matching the shell-style patterns, in any state. */
    public List<String> list(List<String> patterns) throws IOException {
        return call("list " + patterns, m -> m.listUnitsByPatterns(List.of(), patterns)).stream()
                .map(u -> u.name)
                .toList();
    }

    private interface Call<T> {
        T on(SystemdManager manager);
    }

    /** systemd answered that the unit is not loaded. */
    private static final class NoSuchUnit extends IOException {
        NoSuchUnit(String message) {
            super(message);
        }
    }

    private <T> T call(String what, Call<T> call) throws IOException {
        for (int attempt = 0; ; attempt++) {
            SystemdManager m = manager();
            try {
                return call.on(m);
            } catch (DBusExecutionException e) {
                String type = e.getType() == null ? "" : e.getType();
                if (type.endsWith(".NoSuchUnit")
                        || type.endsWith(".LoadFailed")
                        || String.valueOf(e.getMessage()).contains("not loaded")) {
                    throw new NoSuchUnit(e.getMessage());
                }
                if (attempt == 0 && !connected()) {
                    log.info("D-Bus connection to systemd lost, connecting again");
                    reset();
                    continue;
                }
                throw new SystemdUnavailableException(
                        "systemd refused " + what + ": " + (type.isEmpty() ? "" : type + ": ") + e.getMessage(), e);
            }
        }
    }

    private boolean connected() {
        DBusConnection c = connection;
        return c != null && c.isConnected();
    }

    private SystemdManager manager() throws SystemdUnavailableException {
        SystemdManager m = manager;
        if (m != null && connected()) {
            return m;
        }
        connecting.lock();
        try {
            if (manager != null && connected()) {
                return manager;
            }
            reset();
            try {
                // A bus that is not there fails at once instead of after the library's 10 s of retries.
                DBusConnection c = DBusConnectionBuilder.forAddress(address)
                        .withShared(false)
                        .transportConfig()
                        .withTimeout(CONNECT_TIMEOUT_MILLIS)
                        .back()
                        .build();
                connection = c;
                manager = c.getRemoteObject(DESTINATION, OBJECT, SystemdManager.class);
                return manager;
            } catch (DBusException | RuntimeException e) {
                throw new SystemdUnavailableException(
                        "systemd is not reachable over D-Bus at " + address + ": " + e.getMessage(), e);
            }
        } finally {
            connecting.unlock();
        }
    }

    private void reset() {
        DBusConnection c = connection;
        connection = null;
        manager = null;
        if (c != null) {
            c.disconnect();
        }
    }

    @Override
    public void close() {
        reset();
    }
}
