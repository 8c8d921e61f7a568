/**
 * The CNI client jcri uses for pod networking (CNI spec 0.4.0 to 1.1.0; 0.3.x configs are accepted).
 *
 * <p>{@link dev.jcri.cni.CniConfigDirectory} finds the node's network config, {@link dev.jcri.cni.CniNetwork}
 * runs its plugin chain, {@link dev.jcri.cni.CniResultCache} keeps each ADD's config and result on disk so
 * that DEL works after a half-failed ADD or a restart, and {@link dev.jcri.cni.PodNetworking} ties them
 * together for the sandbox code.
 *
 * <p>jcri owns the pod's {@code lo}: {@link dev.jcri.cni.CniLoopback} runs the {@code loopback} plugin for every
 * pod, outside any conflist, as containerd and CRI-O do. Operator conflists (flannel, calico, ...) never
 * include loopback, so the runtime has to do it anyway; the default conflist therefore leaves it out too.
 */
package dev.jcri.cni;
