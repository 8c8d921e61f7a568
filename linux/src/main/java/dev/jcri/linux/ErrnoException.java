package dev.jcri.linux;

import java.io.IOException;

/** A syscall that failed, with its errno and what it was applied to. */
public class ErrnoException extends IOException {
    public static final int EPERM = 1;
    public static final int ENOENT = 2;
    public static final int EINTR = 4;
    public static final int ENXIO = 6;
    public static final int EAGAIN = 11;
    public static final int EBUSY = 16;
    public static final int EEXIST = 17;
    public static final int EINVAL = 22;
    public static final int ENOSYS = 38;

    private final int errno;

    public ErrnoException(String operation, String object, int errno) {
        super(operation + " " + object + ": " + NativeCall.strerror(errno) + " (errno " + errno + ")");
        this.errno = errno;
    }

    public int errno() {
        return errno;
    }
}
