/**
 * The runtime-wide RPCs: Version, Status (runtime and network readiness), RuntimeConfig and UpdateRuntimeConfig. They
 * ask the domain about the node rather than about one object.
 */
package dev.jcri.server.rpc.runtime;
