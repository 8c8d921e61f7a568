/**
 * Resource samples of containers and pods for the stats RPCs and metrics: cgroup usage (v1 and v2), the writable
 * layer's size and the pod's interface counters.
 */
package dev.jcri.sandbox.stats;
