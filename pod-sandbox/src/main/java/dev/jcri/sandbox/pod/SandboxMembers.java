package dev.jcri.sandbox.pod;

import java.io.IOException;

/** What lives inside a sandbox and must go before it: its containers. */
public interface SandboxMembers {
    /** Kills every container of the sandbox that still runs. */
    void stopAll(String sandboxId) throws IOException, InterruptedException;

    /** Removes every container of the sandbox. */
    void removeAll(String sandboxId) throws IOException, InterruptedException;
}
