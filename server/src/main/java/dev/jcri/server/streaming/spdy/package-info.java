/**
 * SPDY/3.1 framing as kubectl and kubelet speak it for streaming: a connection whose client opens one stream per
 * channel, and the compressed header blocks.
 */
package dev.jcri.server.streaming.spdy;
