/**
 * The pod sandbox RPCs: run, stop, remove, status, list, port forward, resources, and the conversions between CRI pod
 * messages and the domain's.
 */
package dev.jcri.server.rpc.pod;
