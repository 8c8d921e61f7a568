/**
 * Bytes a protocol reader received for one stream, handed to their consumer as an InputStream, bounded so a slow
 * consumer holds back the client through TCP. Shared by the SPDY and WebSocket framings.
 */
package dev.jcri.server.streaming.inbound;
