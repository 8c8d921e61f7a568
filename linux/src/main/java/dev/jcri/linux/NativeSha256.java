package dev.jcri.linux;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.security.MessageDigest;
import java.util.Optional;

/**
 * SHA-256 computed by the system's libcrypto (OpenSSL 3), which uses the CPU's SHA extensions.
 *
 * <p>Why: the JDK's SHA-256 is fast only where C2 replaces it with an intrinsic; jcri runs with C1 alone, where
 * it hashes ~10x slower than libcrypto (a 2 MB layer: ~15 vs ~1.5 ms), and a pull hashes every layer twice (blob
 * digest and diff ID). Same algorithm, same results: callers fall back to the JDK when libcrypto is missing.
 *
 * <p>The hash state lives in a {@code long[]} on the Java heap, passed to libcrypto by critical downcalls that
 * may read heap arrays: no native memory to free, nothing to leak when a download is abandoned mid-stream.
 */
public final class NativeSha256 extends MessageDigest {
    private static final int DIGEST_BYTES = 32;
    /** sizeof(SHA256_CTX) is 112 bytes; 128 leaves room, 8-aligned as the struct's fields need. */
    private static final int STATE_LONGS = 16;
    /** A critical call holds off the GC; 256 KiB hash in ~0.2 ms. */
    private static final int MAX_CALL_BYTES = 256 << 10;

    private static final Functions FUNCTIONS = Functions.load();

    private final long[] state = new long[STATE_LONGS];
    private final byte[] one = new byte[1];

    private NativeSha256() {
        super("SHA-256");
        engineReset();
    }

    /** A new digest, or empty when libcrypto cannot be loaded (callers then use the JDK's). */
    public static Optional<MessageDigest> create() {
        return FUNCTIONS == null ? Optional.empty() : Optional.of(new NativeSha256());
    }

    @Override
    protected int engineGetDigestLength() {
        return DIGEST_BYTES;
    }

    @Override
    protected void engineUpdate(byte input) {
        one[0] = input;
        engineUpdate(one, 0, 1);
    }

    @Override
    protected void engineUpdate(byte[] input, int offset, int length) {
        MemorySegment ctx = MemorySegment.ofArray(state);
        MemorySegment data = MemorySegment.ofArray(input);
        for (int done = 0; done < length; ) {
            int n = Math.min(MAX_CALL_BYTES, length - done);
            try {
                int ok = (int) FUNCTIONS.update.invokeExact(ctx, data.asSlice(offset + done, n), (long) n);
                check(ok, "SHA256_Update");
            } catch (Throwable t) {
                throw NativeCall.rethrow(t);
            }
            done += n;
        }
    }

    @Override
    protected byte[] engineDigest() {
        byte[] digest = new byte[DIGEST_BYTES];
        try {
            int ok = (int) FUNCTIONS.finish.invokeExact(MemorySegment.ofArray(digest), MemorySegment.ofArray(state));
            check(ok, "SHA256_Final");
        } catch (Throwable t) {
            throw NativeCall.rethrow(t);
        }
        engineReset();
        return digest;
    }

    @Override
    protected void engineReset() {
        try {
            int ok = (int) FUNCTIONS.init.invokeExact(MemorySegment.ofArray(state));
            check(ok, "SHA256_Init");
        } catch (Throwable t) {
            throw NativeCall.rethrow(t);
        }
    }

    private static void check(int ok, String function) {
        if (ok != 1) {
            throw new IllegalStateException("libcrypto's " + function + " failed");
        }
    }

    /** libcrypto's SHA256_Init/Update/Final; deprecated in OpenSSL 3 in favour of EVP, still exported. */
    private record Functions(MethodHandle init, MethodHandle update, MethodHandle finish) {
        static Functions load() {
            try {
                Linker linker = Linker.nativeLinker();
                SymbolLookup libcrypto = SymbolLookup.libraryLookup("libcrypto.so.3", Arena.global());
                // critical: short calls that may read and write heap arrays, so no copy to native memory.
                Linker.Option heap = Linker.Option.critical(true);
                return new Functions(
                        linker.downcallHandle(
                                libcrypto.find("SHA256_Init").orElseThrow(),
                                FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS),
                                heap),
                        linker.downcallHandle(
                                libcrypto.find("SHA256_Update").orElseThrow(),
                                FunctionDescriptor.of(
                                        ValueLayout.JAVA_INT,
                                        ValueLayout.ADDRESS,
                                        ValueLayout.ADDRESS,
                                        ValueLayout.JAVA_LONG),
                                heap),
                        linker.downcallHandle(
                                libcrypto.find("SHA256_Final").orElseThrow(),
                                FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.ADDRESS),
                                heap));
            } catch (RuntimeException e) {
                // IllegalArgumentException: no libcrypto.so.3; NoSuchElementException: a symbol missing.
                return null;
            }
        }
    }
}
