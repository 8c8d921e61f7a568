/**
 * Port forwarding over SPDY and WebSocket: each data stream paired with its error stream, connected to a port inside
 * the pod's network namespace.
 */
package dev.jcri.server.streaming.portforward;
