package dev.jcri.sandbox.cgroup;

import java.util.List;
import org.freedesktop.dbus.DBusPath;
import org.freedesktop.dbus.Struct;
import org.freedesktop.dbus.annotations.DBusInterfaceName;
import org.freedesktop.dbus.annotations.DBusMemberName;
import org.freedesktop.dbus.annotations.Position;
import org.freedesktop.dbus.interfaces.DBusInterface;
import org.freedesktop.dbus.types.UInt32;
import org.freedesktop.dbus.types.Variant;

/** The part of systemd's {@code org.freedesktop.systemd1.Manager} D-Bus interface jcri calls. */
@DBusInterfaceName("org.freedesktop.systemd1.Manager")
public interface SystemdManager extends DBusInterface {

    /** {@code StartTransientUnit(s name, s mode, a(sv) properties, a(sa(sv)) aux) -> o job}. */
    @DBusMemberName("StartTransientUnit")
    DBusPath startTransientUnit(String name, String mode, List<Property> properties, List<AuxUnit> aux);

    @DBusMemberName("StopUnit")
    DBusPath stopUnit(String name, String mode);

    @DBusMemberName("ResetFailedUnit")
    void resetFailedUnit(String name);

    /** {@code ListUnitsByPatterns(as states, as patterns) -> a(ssssssouso)}; empty states means all. */
    @DBusMemberName("ListUnitsByPatterns")
    List<Unit> listUnitsByPatterns(List<String> states, List<String> patterns);

    /** One unit property: {@code (sv)}. */
    final class Property extends Struct {
        @Position(0)
        public final String name;

        @Position(1)
        public final Variant<?> value;

        public Property(String name, Variant<?> value) {
            this.name = name;
            this.value = value;
        }
    }

    /** An auxiliary unit made with the transient one: {@code (sa(sv))}; jcri sends none. */
    final class AuxUnit extends Struct {
        @Position(0)
        public final String name;

        @Position(1)
        public final List<Property> properties;

        public AuxUnit(String name, List<Property> properties) {
            this.name = name;
            this.properties = properties;
        }
    }

    /** A row of ListUnits: {@code (ssssssouso)}. */
    final class Unit extends Struct {
        @Position(0)
        public final String name;

        @Position(1)
        public final String description;

        @Position(2)
        public final String loadState;

        @Position(3)
        public final String activeState;

        @Position(4)
        public final String subState;

        @Position(5)
        public final String following;

        @Position(6)
        public final DBusPath path;

        @Position(7)
        public final UInt32 jobId;

        @Position(8)
        public final String jobType;

        @Position(9)
        public final DBusPath jobPath;

        public Unit(
                String name,
                String description,
                String loadState,
                String activeState,
                String subState,
                String following,
                DBusPath path,
                UInt32 jobId,
                String jobType,
                DBusPath jobPath) {
            this.name = name;
            this.description = description;
            this.loadState = loadState;
            this.activeState = activeState;
            this.subState = subState;
            this.following = following;
            this.path = path;
            this.jobId = jobId;
            this.jobType = jobType;
            this.jobPath = jobPath;
        }
    }
}
