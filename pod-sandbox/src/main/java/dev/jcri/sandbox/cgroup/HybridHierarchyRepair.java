package dev.jcri.sandbox.cgroup;

import dev.jcri.linux.ErrnoException;
import dev.jcri.linux.Mount;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Makes a hybrid cgroup host usable by crun: every controller still attached to the v2 tree (on Debian hosts
 * typically only {@code hugetlb}) is mounted as its own v1 hierarchy under the v1 root, which detaches it from
 * v2. Idempotent: a controller already mounted as v1 is left alone.
 */
public final class HybridHierarchyRepair {
    private static final Logger log = LoggerFactory.getLogger(HybridHierarchyRepair.class);

    private HybridHierarchyRepair() {}

    /** Returns the hierarchies it mounted (empty when nothing was needed). */
    public static List<Path> apply(CgroupLayout layout, Path v1Root) throws IOException {
        List<Path> mounted = new ArrayList<>();
        for (String controller : layout.controllersBlockingHybrid()) {
            Path target = v1Root.resolve(controller);
            Files.createDirectories(target);
            try {
                Mount.mount(
                        "cgroup",
                        target.toString(),
                        "cgroup",
                        Mount.MS_NOSUID | Mount.MS_NODEV | Mount.MS_NOEXEC,
                        controller);
            } catch (ErrnoException e) {
                throw new IOException(
                        "cannot mount the " + controller + " cgroup v1 hierarchy at " + target
                                + " (crun refuses hybrid hosts while a controller sits in the v2 tree): "
                                + e.getMessage(),
                        e);
            }
            log.info(
                    "mounted cgroup v1 hierarchy controller={} path={} reason=\"crun refuses hybrid mode while it "
                            + "is in the v2 tree\"",
                    controller,
                    target);
            mounted.add(target);
        }
        return mounted;
    }
}
