package dev.jcri.server.rpc.image;

import dev.jcri.cri.v1.Image;
import dev.jcri.cri.v1.ImageSpec;
import dev.jcri.cri.v1.Int64Value;
import dev.jcri.image.store.ImageRecord;

/** Turns store records into CRI {@code Image} messages. */
final class CriImages {
    private CriImages() {}

    static Image toCri(ImageRecord record, boolean pinned) {
        Image.Builder image = Image.newBuilder()
                .setPinned(pinned)
                .setId(record.id())
                .addAllRepoTags(record.repoTags())
                .addAllRepoDigests(record.repoDigests())
                .setSize(record.size())
                .setSpec(ImageSpec.newBuilder().setImage(record.id()));
        // The CRI sets one of uid and username: a numeric USER (with or without a group) is a uid, a name is a
        // username, and an image without USER sets neither.
        String user = record.config().user();
        String owner = user.contains(":") ? user.substring(0, user.indexOf(':')) : user;
        if (!owner.isEmpty()) {
            if (owner.chars().allMatch(Character::isDigit)) {
                try {
                    image.setUid(Int64Value.newBuilder().setValue(Long.parseLong(owner)));
                } catch (NumberFormatException e) {
                    image.setUsername(owner);
                }
            } else {
                image.setUsername(owner);
            }
        }
        return image.build();
    }

    /** The image named in a request; {@code field} is the request field, for the error message. */
    static String requiredSpec(ImageSpec spec, String field) {
        String image = spec.getImage().strip();
        if (image.isEmpty()) {
            throw new IllegalArgumentException(field + ": an image name, ID or digest is required");
        }
        return image;
    }
}
