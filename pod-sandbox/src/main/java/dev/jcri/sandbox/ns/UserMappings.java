package dev.jcri.sandbox.ns;

/**
 * The ID mappings of a pod's user namespace: one contiguous range each for users and groups, starting at
 * container ID 0 (the CRI's rule; kubelet gives every pod a range of 65536 IDs of its own).
 */
public record UserMappings(Range uids, Range gids) {

    /** Container IDs {@code [containerId, containerId + length)} are host IDs {@code [hostId, hostId + length)}. */
    public record Range(long containerId, long hostId, long length) {
        public Range {
            if (containerId < 0
                    || hostId < 0
                    || length <= 0
                    || hostId + length > 0x1_0000_0000L
                    || containerId + length > 0x1_0000_0000L) {
                throw new IllegalArgumentException(
                        "ID mapping " + containerId + " " + hostId + " " + length + " is outside the 32-bit ID space");
            }
        }

        /** The line /proc/PID/uid_map and gid_map take. */
        String mapLine() {
            return containerId + " " + hostId + " " + length + "\n";
        }

        /** The host ID that container ID {@code id} maps to. */
        public long hostIdOf(long id) {
            return hostId + (id - containerId);
        }
    }

    /** The host user that is root in the pod: the owner of its containers' writable layers. */
    public long hostRootUid() {
        return uids.hostIdOf(0);
    }

    public long hostRootGid() {
        return gids.hostIdOf(0);
    }
}
