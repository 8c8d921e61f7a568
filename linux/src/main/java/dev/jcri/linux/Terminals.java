package dev.jcri.linux;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;

/** ioctl(TIOCSWINSZ) on a terminal master: the size the process behind it sees. */
public final class Terminals {
    private static final long TIOCSWINSZ = 0x5414;
    private static final MethodHandle IOCTL = NativeCall.variadicErrnoHandle(
            "ioctl",
            FunctionDescriptor.of(
                    ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG, ValueLayout.ADDRESS),
            2);

    private Terminals() {}

    public static void setWindowSize(NativeFd terminal, int columns, int rows) throws ErrnoException {
        try (Arena arena = Arena.ofConfined()) {
            // struct winsize { unsigned short ws_row, ws_col, ws_xpixel, ws_ypixel; }
            MemorySegment size = arena.allocate(8, 2);
            size.set(ValueLayout.JAVA_SHORT, 0, (short) rows);
            size.set(ValueLayout.JAVA_SHORT, 2, (short) columns);
            MemorySegment state = NativeCall.callState(arena);
            int rc = (int) IOCTL.invokeExact(state, terminal.fd(), TIOCSWINSZ, size);
            if (rc != 0) {
                throw NativeCall.failure("ioctl(TIOCSWINSZ)", terminal.toString(), state);
            }
        } catch (ErrnoException e) {
            throw e;
        } catch (Throwable t) {
            throw NativeCall.rethrow(t);
        }
    }
}
