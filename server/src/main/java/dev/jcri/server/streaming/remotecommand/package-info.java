/**
 * Exec and attach sessions over Kubernetes' remotecommand protocol: stdio pumps, terminal resizes and the exit status,
 * over channels that hide whether SPDY or WebSocket carries them.
 */
package dev.jcri.server.streaming.remotecommand;
