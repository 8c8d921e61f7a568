/**
 * Calls to the Kubernetes API server from inside a pod, with the pod's service account (in-cluster configuration):
 * used by the chart's installer to mark the node jcri was installed on.
 */
package dev.jcri.server.cluster;
