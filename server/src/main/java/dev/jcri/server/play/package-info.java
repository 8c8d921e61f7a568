/**
 * {@code jcri play}: Kubernetes Pod manifests run over the CRI socket the way kubelet runs them. Reading
 * ({@code ManifestReader}), API defaulting ({@code PodDefaults}), translation to CRI requests ({@code PodTranslation},
 * {@code ContainerTranslation}, {@code ContainerEnvironment}, {@code LinuxResources}, {@code PodDns}), volumes on the
 * host ({@code VolumeMaterialiser}), the CRI calls in kubelet's order ({@code PodRunner}) and the foreground mode
 * ({@code PodFollower}). It talks to jcri only through the CRI, so it runs against any CRI runtime.
 */
package dev.jcri.server.play;
