/**
 * Containers: create, start, stop, remove, recover, exec and attach, through conmon and the OCI runtime, with the
 * rootfs overlay mount, exit watching and the host-path checks they need.
 */
package dev.jcri.sandbox.container;
