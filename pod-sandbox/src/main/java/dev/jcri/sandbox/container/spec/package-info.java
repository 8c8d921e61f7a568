/**
 * The OCI runtime config (config.json) of a container, built from its CRI config, its image and its pod, and the
 * seccomp filter it runs under.
 */
package dev.jcri.sandbox.container.spec;
