/**
 * The orphan sweep: finds what jcri made on the host that no record owns (runtime state, conmon, mounts, pins,
 * cgroups, CNI attachments, files) and removes it, at startup and periodically.
 */
package dev.jcri.sandbox.sweep;
