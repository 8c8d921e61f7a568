package dev.jcri.server.call;

import jdk.jfr.Category;
import jdk.jfr.Description;
import jdk.jfr.Event;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.StackTrace;

/**
 * A JFR event spanning one call's handler (request limits included): with JFR recording, the steps, fsyncs and
 * process starts inside it can be charged to the RPC (docs/performance.md). Costs a disabled-event check otherwise.
 */
@Name("dev.jcri.Rpc")
@Label("jcri RPC")
@Category("jcri")
@Description("One CRI call's handler")
@StackTrace(false)
final class RpcEvent extends Event {
    @Label("Request")
    String request;

    static RpcEvent begin(Object request) {
        RpcEvent event = new RpcEvent();
        if (event.isEnabled()) {
            event.request = request.getClass().getSimpleName();
            event.begin();
        }
        return event;
    }
}
