/**
 * WebSocket framing (RFC 6455) and Kubernetes' channel protocols on it, where the first byte of each message names its
 * channel.
 */
package dev.jcri.server.streaming.websocket;
