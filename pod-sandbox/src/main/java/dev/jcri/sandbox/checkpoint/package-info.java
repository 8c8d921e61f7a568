/**
 * Checkpoints with CRIU: whether CRIU works on this node ({@code CriuCheck}), and the checkpoint archive in the
 * layout CRI-O and Podman write and checkpointctl reads ({@code CheckpointArchive}, with the container's rootfs
 * changes in {@code RootfsDiff}).
 */
package dev.jcri.sandbox.checkpoint;
