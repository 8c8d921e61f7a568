package dev.jcri.sandbox.container.spec;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The entries of an image's {@code /etc/passwd} and {@code /etc/group}, parsed as libc does: lines of
 * colon-separated fields; comments, blank lines and lines with bad numbers are skipped; the first match wins.
 */
final class UserDatabase {
    record User(String name, long uid, long gid) {}

    record Group(String name, long gid, List<String> members) {}

    private final List<User> users;
    private final List<Group> groups;

    private UserDatabase(List<User> users, List<Group> groups) {
        this.users = users;
        this.groups = groups;
    }

    /** Either file may be absent (empty): a numeric user needs neither. */
    static UserDatabase parse(Optional<String> passwd, Optional<String> group) {
        List<User> users = new ArrayList<>();
        passwd.ifPresent(text -> text.lines().forEach(line -> {
            String[] fields = fields(line);
            if (fields.length >= 4) {
                long uid = id(fields[2]);
                long gid = id(fields[3]);
                if (uid >= 0 && gid >= 0) {
                    users.add(new User(fields[0], uid, gid));
                }
            }
        }));
        List<Group> groups = new ArrayList<>();
        group.ifPresent(text -> text.lines().forEach(line -> {
            String[] fields = fields(line);
            if (fields.length >= 3) {
                long gid = id(fields[2]);
                if (gid >= 0) {
                    List<String> members = new ArrayList<>();
                    if (fields.length >= 4) {
                        for (String member : fields[3].split(",")) {
                            if (!member.isBlank()) {
                                members.add(member.strip());
                            }
                        }
                    }
                    groups.add(new Group(fields[0], gid, List.copyOf(members)));
                }
            }
        }));
        return new UserDatabase(List.copyOf(users), List.copyOf(groups));
    }

    Optional<User> userNamed(String name) {
        return users.stream().filter(u -> u.name().equals(name)).findFirst();
    }

    Optional<User> userWithUid(long uid) {
        return users.stream().filter(u -> u.uid() == uid).findFirst();
    }

    Optional<Group> groupNamed(String name) {
        return groups.stream().filter(g -> g.name().equals(name)).findFirst();
    }

    /** Groups whose member list names the user, in file order. */
    List<Long> memberships(String userName) {
        List<Long> gids = new ArrayList<>();
        for (Group group : groups) {
            if (group.members().contains(userName) && !gids.contains(group.gid())) {
                gids.add(group.gid());
            }
        }
        return gids;
    }

    private static String[] fields(String line) {
        if (line.isBlank() || line.startsWith("#")) {
            return new String[0];
        }
        String[] fields = line.split(":", -1);
        return fields[0].isEmpty() ? new String[0] : fields;
    }

    /** A uid/gid field, or -1 when it is not a decimal id (such entries are skipped, like glibc does). */
    private static long id(String field) {
        if (field.isEmpty() || field.length() > 10 || !field.chars().allMatch(c -> c >= '0' && c <= '9')) {
            return -1;
        }
        long value = Long.parseLong(field);
        return value <= ContainerUserResolver.MAX_ID ? value : -1;
    }
}
