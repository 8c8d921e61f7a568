package dev.jcri.linux;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;

/**
 * Shared plumbing for libc downcalls: symbol lookup and errno capture.
 *
 * <p>errno must be captured by the linker itself; reading it after the call returns would race with the JVM's
 * own libc use on the same thread.
 */
public final class NativeCall {
    private static final Linker LINKER = Linker.nativeLinker();
    private static final SymbolLookup LIBC = LINKER.defaultLookup();
    private static final StructLayout CALL_STATE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO = CALL_STATE.varHandle(MemoryLayout.PathElement.groupElement("errno"));
    private static final MethodHandle STRERROR = LINKER.downcallHandle(
            LIBC.find("strerror").orElseThrow(), FunctionDescriptor.of(ValueLayout.ADDRESS, ValueLayout.JAVA_INT));

    private NativeCall() {}

    /** A handle whose first argument is the call-state segment that receives errno. */
    public static MethodHandle errnoHandle(String symbol, FunctionDescriptor descriptor) {
        return LINKER.downcallHandle(
                LIBC.find(symbol).orElseThrow(() -> new UnsatisfiedLinkError("libc lacks " + symbol)),
                descriptor,
                Linker.Option.captureCallState("errno"));
    }

    /** For a variadic function (ioctl): {@code fixedArguments} come before the variadic ones. */
    public static MethodHandle variadicErrnoHandle(String symbol, FunctionDescriptor descriptor, int fixedArguments) {
        return LINKER.downcallHandle(
                LIBC.find(symbol).orElseThrow(() -> new UnsatisfiedLinkError("libc lacks " + symbol)),
                descriptor,
                Linker.Option.captureCallState("errno"),
                Linker.Option.firstVariadicArg(fixedArguments));
    }

    public static MethodHandle plainHandle(String symbol, FunctionDescriptor descriptor) {
        return LINKER.downcallHandle(
                LIBC.find(symbol).orElseThrow(() -> new UnsatisfiedLinkError("libc lacks " + symbol)), descriptor);
    }

    public static MemorySegment callState(Arena arena) {
        return arena.allocate(CALL_STATE);
    }

    public static int errno(MemorySegment callState) {
        return (int) ERRNO.get(callState, 0L);
    }

    public static String strerror(int errno) {
        try {
            MemorySegment message = (MemorySegment) STRERROR.invokeExact(errno);
            return message.reinterpret(1024).getString(0);
        } catch (Throwable t) {
            return "errno " + errno;
        }
    }

    /** Converts a failed call's errno into an exception that names the operation and its object. */
    public static ErrnoException failure(String operation, String object, MemorySegment callState) {
        return new ErrnoException(operation, object, errno(callState));
    }

    static RuntimeException rethrow(Throwable t) {
        if (t instanceof RuntimeException re) {
            return re;
        }
        if (t instanceof Error e) {
            throw e;
        }
        return new IllegalStateException(t);
    }
}
