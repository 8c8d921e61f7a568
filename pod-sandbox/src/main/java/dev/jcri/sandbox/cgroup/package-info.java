/**
 * How this node mounts its cgroups (v1, v2, hybrid: which controller where), and the repair that lets crun run on a
 * hybrid host.
 */
package dev.jcri.sandbox.cgroup;
