package dev.jcri.server.streaming.spdy;

import java.io.IOException;

/** The peer broke SPDY framing; the connection cannot go on. */
public final class SpdyProtocolException extends IOException {
    public SpdyProtocolException(String message) {
        super(message);
    }
}
