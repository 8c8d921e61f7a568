package dev.jcri.sandbox.cgroup;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.freedesktop.dbus.DBusPath;
import org.freedesktop.dbus.bin.EmbeddedDBusDaemon;
import org.freedesktop.dbus.connections.impl.DBusConnection;
import org.freedesktop.dbus.connections.impl.DBusConnectionBuilder;
import org.freedesktop.dbus.exceptions.DBusExecutionException;
import org.freedesktop.dbus.types.UInt32;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link SystemdUnits} against a stand-in for systemd's manager on a private bus: what goes over the wire is what
 * systemd's {@code StartTransientUnit}, {@code StopUnit}, {@code ResetFailedUnit} and {@code ListUnitsByPatterns}
 * take. (Real systemd answers in the guest tests.)
 */
class SystemdUnitsTest {

    /** Records the calls; knows the units it started. */
    public static final class FakeManager implements SystemdManager {
        final Map<String, Map<String, Object>> started = new LinkedHashMap<>();
        final List<String> calls = new ArrayList<>();

        @Override
        public DBusPath startTransientUnit(String name, String mode, List<Property> properties, List<AuxUnit> aux) {
            Map<String, Object> values = new LinkedHashMap<>();
            properties.forEach(p -> values.put(p.name, p.value.getValue()));
            started.put(name, values);
            calls.add("start " + name + " " + mode);
            return new DBusPath("/org/freedesktop/systemd1/job/1");
        }

        @Override
        public DBusPath stopUnit(String name, String mode) {
            calls.add("stop " + name);
            if (started.remove(name) == null) {
                throw new DBusExecutionException("Unit " + name + " not loaded.");
            }
            return new DBusPath("/org/freedesktop/systemd1/job/2");
        }

        @Override
        public void resetFailedUnit(String name) {
            calls.add("reset-failed " + name);
            throw new DBusExecutionException("Unit " + name + " not loaded.");
        }

        @Override
        public List<Unit> listUnitsByPatterns(List<String> states, List<String> patterns) {
            calls.add("list " + patterns);
            return started.keySet().stream()
                    .map(name -> new Unit(
                            name,
                            "",
                            "loaded",
                            "active",
                            "running",
                            "",
                            new DBusPath("/org/freedesktop/systemd1/unit/x"),
                            new UInt32(0),
                            "",
                            new DBusPath("/")))
                    .toList();
        }

        @Override
        public String getObjectPath() {
            return "/org/freedesktop/systemd1";
        }
    }

    @Test
    void startsListsAndStopsScopesOverTheBus(@TempDir Path dir) throws Exception {
        String address = "unix:path=" + dir.resolve("bus");
        try (EmbeddedDBusDaemon daemon = new EmbeddedDBusDaemon(address + ",listen=true")) {
            daemon.startInBackgroundAndWait(10_000);
            FakeManager systemd = new FakeManager();
            try (DBusConnection service = DBusConnectionBuilder.forAddress(address)
                            .withShared(false)
                            .build();
                    SystemdUnits units = new SystemdUnits(address)) {
                service.requestBusName("org.freedesktop.systemd1");
                service.exportObject("/org/freedesktop/systemd1", systemd);
                String scope = CgroupParent.conmonScope("c".repeat(64));

                units.startScope(scope, "kubepods-pod1.slice", 4242, "conmon");

                Map<String, Object> properties = systemd.started.get(scope);
                assertEquals("kubepods-pod1.slice", properties.get("Slice"));
                assertEquals(Boolean.TRUE, properties.get("Delegate"));
                assertEquals("inactive-or-failed", properties.get("CollectMode"));
                Object pids = properties.get("PIDs");
                assertTrue(pids instanceof UInt32[] || pids instanceof List<?>, String.valueOf(pids));
                if (pids instanceof UInt32[] array) {
                    assertArrayEquals(new UInt32[] {new UInt32(4242)}, array);
                } else {
                    assertEquals(List.of(new UInt32(4242)), pids);
                }
                assertEquals(List.of(scope), units.list(SystemdDriver.UNIT_PATTERNS));

                units.stop(scope);
                units.stop(scope); // gone already: fine
                assertEquals(List.of(), units.list(SystemdDriver.UNIT_PATTERNS));
                assertTrue(systemd.calls.contains("reset-failed " + scope), systemd.calls.toString());
            }
        }
    }

    @Test
    void aBusThatIsNotThereIsUnavailableSoon(@TempDir Path dir) {
        long started = System.nanoTime();
        try (SystemdUnits units = new SystemdUnits("unix:path=" + dir.resolve("none"))) {
            SystemdUnavailableException e =
                    assertThrows(SystemdUnavailableException.class, () -> units.list(SystemdDriver.UNIT_PATTERNS));
            assertTrue(e.getMessage().startsWith("systemd is not reachable over D-Bus"), e.getMessage());
        }
        assertTrue(System.nanoTime() - started < 8_000_000_000L, "no long retries");
    }
}
