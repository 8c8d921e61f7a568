package dev.jcri.sandbox.container.spec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class ContainerMountsTest {
    private final SpecDraft draft = new SpecDraft();

    private ContainerMounts mounts() {
        return ContainerMounts.of(draft.mounts, draft.security(), draft.sandbox());
    }

    private List<String> destinations() {
        return mounts().mounts().stream()
                .map(ContainerMounts.Mount::destination)
                .toList();
    }

    private ContainerMounts.Mount at(String destination) {
        return mounts().mounts().stream()
                .filter(m -> m.destination().equals(destination))
                .findFirst()
                .orElseThrow();
    }

    private String error() {
        return assertThrows(IllegalArgumentException.class, this::mounts).getMessage();
    }

    @Test
    void defaultsComeInMountOrder() {
        assertEquals(
                List.of(
                        "/proc",
                        "/dev",
                        "/dev/pts",
                        "/dev/mqueue",
                        "/sys",
                        "/sys/fs/cgroup",
                        "/dev/shm",
                        "/etc/resolv.conf",
                        "/etc/hosts",
                        "/etc/hostname"),
                destinations());
        assertEquals(
                new ContainerMounts.Mount(
                        "/dev", "tmpfs", "tmpfs", List.of("nosuid", "strictatime", "mode=755", "size=65536k")),
                at("/dev"));
        assertEquals(
                List.of("nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5"),
                at("/dev/pts").options());
        assertEquals(List.of("nosuid", "noexec", "nodev", "ro"), at("/sys").options());
        assertEquals("cgroup", at("/sys/fs/cgroup").type());
        assertTrue(at("/sys/fs/cgroup").options().contains("ro"));
        assertEquals(
                new ContainerMounts.Mount(
                        "/dev/shm", "bind", draft.shm, List.of("rbind", "rprivate", "nosuid", "nodev", "noexec", "rw")),
                at("/dev/shm"));
        assertEquals(
                new ContainerMounts.Mount("/etc/hosts", "bind", draft.hosts, List.of("rbind", "rprivate", "rw")),
                at("/etc/hosts"));
        assertEquals("", mounts().rootfsPropagation());
    }

    @Test
    void aReadonlyRootfsMakesThePodFilesReadonly() {
        draft.readonlyRootfs = true;
        assertEquals(List.of("rbind", "rprivate", "ro"), at("/etc/resolv.conf").options());
        assertEquals("rw", at("/dev/shm").options().getLast());
    }

    @Test
    void privilegedMakesSysWritable() {
        draft.privileged = true;
        assertEquals(List.of("nosuid", "noexec", "nodev", "rw"), at("/sys").options());
        assertTrue(at("/sys/fs/cgroup").options().contains("rw"));
    }

    @Test
    void shmFollowsTheIpcNamespace() {
        draft.hostNamespaces();
        assertEquals(
                new ContainerMounts.Mount("/dev/shm", "bind", "/dev/shm", List.of("rbind", "rprivate", "rw")),
                at("/dev/shm"));
        draft.ipcns = "/run/jcri/ns/ipc/pod1";
        assertEquals("tmpfs", at("/dev/shm").type());
    }

    @Test
    void absentPodFilesAreNotMounted() {
        draft.resolvConf = "";
        draft.hostnameFile = "";
        assertEquals(
                List.of("/proc", "/dev", "/dev/pts", "/dev/mqueue", "/sys", "/sys/fs/cgroup", "/dev/shm", "/etc/hosts"),
                destinations());
    }

    @Test
    void criMountsFollowParentsFirstAndReplaceDefaults() {
        draft.mounts.add(new MountSpec("/data/logs", "/var/log/pod", false, null, false));
        draft.mounts.add(new MountSpec("/etc/hosts", "/var/lib/kubelet/pods/p/etc-hosts", false, null, false));
        draft.mounts.add(new MountSpec("/data/", "/srv/data", true, MountSpec.Propagation.PRIVATE, false));
        draft.mounts.add(new MountSpec("/dev/termination-log", "/var/lib/kubelet/t", false, null, false));
        assertEquals(
                List.of(
                        "/proc",
                        "/dev",
                        "/dev/pts",
                        "/dev/mqueue",
                        "/sys",
                        "/sys/fs/cgroup",
                        "/dev/shm",
                        "/etc/resolv.conf",
                        "/etc/hostname",
                        "/data",
                        "/data/logs",
                        "/etc/hosts",
                        "/dev/termination-log"),
                destinations());
        assertEquals(
                new ContainerMounts.Mount("/data", "bind", "/srv/data", List.of("rbind", "rprivate", "ro")),
                at("/data"));
        assertEquals(
                new ContainerMounts.Mount(
                        "/etc/hosts", "bind", "/var/lib/kubelet/pods/p/etc-hosts", List.of("rbind", "rprivate", "rw")),
                at("/etc/hosts"));
    }

    @Test
    void aCriDevReplacesEverythingUnderIt() {
        draft.mounts.add(new MountSpec("/dev", "/dev", false, null, false));
        assertEquals(
                List.of("/proc", "/sys", "/sys/fs/cgroup", "/etc/resolv.conf", "/etc/hosts", "/etc/hostname", "/dev"),
                destinations());
    }

    @Test
    void propagation() {
        draft.mounts.add(new MountSpec("/host", "/", true, MountSpec.Propagation.HOST_TO_CONTAINER, false));
        assertEquals(List.of("rbind", "rslave", "ro"), at("/host").options());
        assertEquals("rslave", mounts().rootfsPropagation());

        draft.mounts.add(new MountSpec("/shared", "/mnt/shared", false, MountSpec.Propagation.BIDIRECTIONAL, false));
        assertEquals("mounts[1]: bidirectional propagation of \"/shared\" needs a privileged container", error());
        draft.privileged = true;
        assertEquals(List.of("rbind", "rshared", "rw"), at("/shared").options());
        assertEquals("rshared", mounts().rootfsPropagation());
    }

    @Test
    void recursiveReadOnly() {
        draft.mounts.add(new MountSpec("/data", "/srv", true, MountSpec.Propagation.PRIVATE, true));
        assertEquals(List.of("rbind", "rprivate", "rro"), at("/data").options());
        draft.mounts.set(0, new MountSpec("/data", "/srv", false, MountSpec.Propagation.PRIVATE, true));
        assertEquals("mounts[0]: recursive_read_only needs readonly", error());
        draft.mounts.set(0, new MountSpec("/data", "/srv", true, MountSpec.Propagation.HOST_TO_CONTAINER, true));
        assertEquals("mounts[0]: recursive_read_only needs private propagation", error());
    }

    @Test
    void invalidDestinationsAreRefusedNamingTheField() {
        draft.mounts.add(new MountSpec("/ok", "/srv", false, null, false));
        draft.mounts.add(new MountSpec("data", "/srv", false, null, false));
        assertEquals("mounts[1].container_path: \"data\" is not an absolute path", error());
        draft.mounts.set(1, new MountSpec("/data/../../etc", "/srv", false, null, false));
        assertEquals("mounts[1].container_path: \"/data/../../etc\" is not clean (it has a \"..\" component)", error());
        draft.mounts.set(1, new MountSpec("/data/./x", "/srv", false, null, false));
        assertTrue(error().startsWith("mounts[1].container_path:"));
        draft.mounts.set(1, new MountSpec("/", "/srv", false, null, false));
        assertEquals("mounts[1].container_path: cannot mount over the rootfs", error());
        draft.mounts.set(1, new MountSpec("/ok/", "/srv", false, null, false));
        assertEquals("mounts[1].container_path: \"/ok\" is mounted twice", error());
        draft.mounts.set(1, new MountSpec("/data", "srv", false, null, false));
        assertEquals("mounts[1].host_path: \"srv\" is not an absolute path", error());
        draft.mounts.set(1, new MountSpec("", "/srv", false, null, false));
        assertTrue(error().startsWith("mounts[1].container_path:"));
    }

    @Test
    void anImageVolumeIsBoundReadOnlyNosuidNodevNoexecWhateverTheRequestSays() {
        draft.mounts.add(new MountSpec(
                "/vol",
                "/run/jcri/containers/c/image-volumes/0/data",
                false,
                MountSpec.Propagation.HOST_TO_CONTAINER,
                false,
                null,
                new MountSpec.ImageVolume("busybox", "data")));
        assertEquals(
                new ContainerMounts.Mount(
                        "/vol",
                        "bind",
                        "/run/jcri/containers/c/image-volumes/0/data",
                        List.of("rbind", "rprivate", "ro", "nosuid", "nodev", "noexec")),
                at("/vol"));
        assertEquals("", mounts().rootfsPropagation(), "an image volume asks for no propagation");
    }
}
