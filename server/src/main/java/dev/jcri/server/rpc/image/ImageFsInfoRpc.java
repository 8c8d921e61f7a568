package dev.jcri.server.rpc.image;

import dev.jcri.cri.v1.FilesystemIdentifier;
import dev.jcri.cri.v1.FilesystemUsage;
import dev.jcri.cri.v1.ImageFsInfoRequest;
import dev.jcri.cri.v1.ImageFsInfoResponse;
import dev.jcri.cri.v1.UInt64Value;
import dev.jcri.image.store.StoreUsage;
import dev.jcri.sandbox.EpochNanos;
import dev.jcri.server.call.CriCall;
import java.io.IOException;
import java.nio.file.Path;

/**
 * ImageFsInfo: what the image store occupies, for kubelet's image garbage collection. crictl calls it before
 * almost every command, so it must work on a node that has no image yet.
 */
public final class ImageFsInfoRpc implements CriCall.Handler<ImageFsInfoRequest, ImageFsInfoResponse> {
    private final Path storeDir;

    public ImageFsInfoRpc(Path storeDir) {
        this.storeDir = storeDir;
    }

    @Override
    public ImageFsInfoResponse handle(ImageFsInfoRequest request) throws IOException {
        StoreUsage usage = StoreUsage.measure(storeDir);
        FilesystemUsage filesystem = FilesystemUsage.newBuilder()
                .setTimestamp(EpochNanos.now())
                .setFsId(FilesystemIdentifier.newBuilder().setMountpoint(storeDir.toString()))
                .setUsedBytes(UInt64Value.newBuilder().setValue(usage.bytes()))
                .setInodesUsed(UInt64Value.newBuilder().setValue(usage.inodes()))
                .build();
        return ImageFsInfoResponse.newBuilder().addImageFilesystems(filesystem).build();
    }
}
