package dev.jcri.server.streaming.remotecommand;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.function.Consumer;

/**
 * The client's end of one exec or attach, whichever protocol carries it (SPDY streams or WebSocket channels).
 * A channel the request did not ask for is null.
 */
public interface CommandChannels {

    InputStream stdin();

    OutputStream stdout();

    OutputStream stderr();

    /**
     * Starts reading the client: {@code resize} gets each terminal size it sends, {@code disconnected} runs once
     * if the client goes away before {@link #finish}.
     */
    void start(Consumer<TerminalSize> resize, Runnable disconnected);

    /** Reports how the command ended on the error channel and ends the session. */
    void finish(CommandResult result) throws IOException, InterruptedException;

    /** Ends the session without a report (the client is gone). */
    void abort();
}
