package dev.jcri.e2e;

import java.util.function.Supplier;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.TestWatcher;

/** Prints the daemon's log when a test fails, so that CI output shows what jcri saw. */
public final class DumpLogOnFailure implements TestWatcher {
    private final Supplier<JcriProcess> daemon;

    public DumpLogOnFailure(Supplier<JcriProcess> daemon) {
        this.daemon = daemon;
    }

    @Override
    public void testFailed(ExtensionContext context, Throwable cause) {
        JcriProcess jcri = daemon.get();
        if (jcri == null) {
            return;
        }
        try {
            System.err.println("----- jcri log for " + context.getDisplayName() + " -----");
            System.err.println(jcri.log());
            System.err.println("----- end of jcri log -----");
        } catch (Exception e) {
            System.err.println("cannot read jcri log: " + e);
        }
    }
}
