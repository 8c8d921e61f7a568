package dev.jcri.sandbox.pod;

import dev.jcri.sandbox.CreateRetries;
import dev.jcri.sandbox.RecordStore;
import dev.jcri.sandbox.StateLayout;
import java.io.IOException;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;

/** What every sandbox operation shares: the records, one lock per sandbox ID, and the retry bookkeeping of runs. */
final class SandboxTable {
    private final StateLayout layout;
    private final RecordStore<SandboxRecord> store;
    private final Map<String, ReentrantLock> locks = new ConcurrentHashMap<>();
    private final CreateRetries retries = new CreateRetries();

    SandboxTable(StateLayout layout) throws IOException {
        this.layout = layout;
        this.store = new RecordStore<>(
                layout.sandboxRecords(),
                StateLayout.SANDBOX_RECORD,
                SandboxRecord.class,
                SandboxRecord::id,
                SandboxRecord::name,
                "sandbox");
    }

    StateLayout layout() {
        return layout;
    }

    RecordStore<SandboxRecord> store() {
        return store;
    }

    CreateRetries retries() {
        return retries;
    }

    ReentrantLock lockOf(String id) {
        return locks.computeIfAbsent(id, k -> new ReentrantLock());
    }

    void forgetLock(String id) {
        locks.remove(id);
    }
}
