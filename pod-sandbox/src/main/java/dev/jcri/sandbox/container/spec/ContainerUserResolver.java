package dev.jcri.sandbox.container.spec;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Decides uid, gid and supplementary groups of a container's process: {@code run_as_user} wins, then
 * {@code run_as_username}, then the image's USER ({@code uid}, {@code name}, {@code uid:gid}, {@code name:gid},
 * {@code name:group}, {@code uid:group}). Names resolve against the container's own {@code /etc/passwd} and
 * {@code /etc/group}, never the host's. Supplementary groups follow the CRI policy: Merge (the default) gives the
 * primary gid, the requested supplemental groups, then the groups the image's {@code /etc/group} lists the user in;
 * Strict stops before the last.
 */
public final class ContainerUserResolver {
    /** The largest valid id: (uid_t) -1 means "unchanged" to the kernel. */
    static final long MAX_ID = 0xFFFF_FFFEL;

    private ContainerUserResolver() {}

    public static ContainerUser resolve(ContainerSpec.Security security, String imageUser, Path rootfs)
            throws IOException {
        Long runAsUser = security.runAsUser();
        String runAsUsername = security.runAsUsername();
        Long runAsGroup = security.runAsGroup();
        if (runAsGroup != null && runAsUser == null && runAsUsername.isEmpty()) {
            // The CRI says a runtime must refuse this rather than guess whose group it is.
            throw new IllegalArgumentException("run_as_group needs run_as_user or run_as_username");
        }
        checkId(runAsUser, "run_as_user");
        checkId(runAsGroup, "run_as_group");
        for (int i = 0; i < security.supplementalGroups().size(); i++) {
            checkId(security.supplementalGroups().get(i), "supplemental_groups[" + i + "]");
        }

        Optional<String> passwd = RootfsFile.read(rootfs, "/etc/passwd");
        Optional<String> groupFile = RootfsFile.read(rootfs, "/etc/group");
        UserDatabase database = UserDatabase.parse(passwd, groupFile);
        boolean hasPasswd = passwd.isPresent();
        boolean hasGroup = groupFile.isPresent();

        String userPart;
        String groupPart = "";
        String source;
        if (runAsUser != null) {
            userPart = Long.toString(runAsUser);
            source = "run_as_user " + runAsUser;
        } else if (!runAsUsername.isEmpty()) {
            userPart = runAsUsername;
            source = "run_as_username \"" + runAsUsername + "\"";
            if (isNumeric(userPart)) {
                // A user name is a name; a numeric one would silently mean a uid nobody asked for.
                throw new IllegalArgumentException(source + " is numeric; use run_as_user for a uid");
            }
        } else {
            String user = imageUser.isEmpty() ? "0" : imageUser;
            int colon = user.indexOf(':');
            userPart = colon < 0 ? user : user.substring(0, colon);
            groupPart = colon < 0 ? "" : user.substring(colon + 1);
            source = "the image's USER \"" + imageUser + "\"";
            if (userPart.isEmpty()) {
                throw new IllegalArgumentException(source + " names no user");
            }
        }

        long uid;
        long gid;
        String name;
        if (isNumeric(userPart)) {
            uid = parseId(userPart, source);
            Optional<UserDatabase.User> entry = database.userWithUid(uid);
            // An unknown numeric uid is fine (no passwd entry needed to run), with gid 0 as Docker does.
            gid = entry.map(UserDatabase.User::gid).orElse(0L);
            name = entry.map(UserDatabase.User::name).orElse(null);
        } else {
            if (!hasPasswd) {
                throw new IllegalArgumentException(
                        source + ": user \"" + userPart + "\" cannot be resolved, the image has no /etc/passwd");
            }
            UserDatabase.User entry = database.userNamed(userPart)
                    .orElseThrow(() -> new IllegalArgumentException(
                            source + ": user \"" + userPart + "\" is not in the image's /etc/passwd"));
            uid = entry.uid();
            gid = entry.gid();
            name = entry.name();
        }
        if (!groupPart.isEmpty()) {
            if (isNumeric(groupPart)) {
                gid = parseId(groupPart, source);
            } else {
                if (!hasGroup) {
                    throw new IllegalArgumentException(
                            source + ": group \"" + groupPart + "\" cannot be resolved, the image has no /etc/group");
                }
                String group = groupPart;
                gid = database.groupNamed(group)
                        .orElseThrow(() -> new IllegalArgumentException(
                                source + ": group \"" + group + "\" is not in the image's /etc/group"))
                        .gid();
            }
        }
        if (runAsGroup != null) {
            gid = runAsGroup;
        }

        List<Long> groups = new ArrayList<>();
        groups.add(gid);
        for (long supplemental : security.supplementalGroups()) {
            addOnce(groups, supplemental);
        }
        if (name != null && !security.strictSupplementalGroups()) {
            for (long member : database.memberships(name)) {
                addOnce(groups, member);
            }
        }
        return new ContainerUser(uid, gid, groups);
    }

    private static void addOnce(List<Long> groups, long gid) {
        if (!groups.contains(gid)) {
            groups.add(gid);
        }
    }

    private static boolean isNumeric(String value) {
        return !value.isEmpty() && value.chars().allMatch(c -> c >= '0' && c <= '9');
    }

    private static long parseId(String value, String source) {
        if (value.length() > 10 || Long.parseLong(value) > MAX_ID) {
            throw new IllegalArgumentException(source + ": id " + value + " is out of range");
        }
        return Long.parseLong(value);
    }

    private static void checkId(Long id, String field) {
        if (id != null && (id < 0 || id > MAX_ID)) {
            throw new IllegalArgumentException(field + ": " + id + " is not a valid id (0.." + MAX_ID + ")");
        }
    }
}
