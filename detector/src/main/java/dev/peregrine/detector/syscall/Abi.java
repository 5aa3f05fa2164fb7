package dev.peregrine.detector.syscall;

/** Linux ABI numbers that the parsers of several syscall families read arguments and results by. */
final class Abi {
    private Abi() {}

    /** A dirfd meaning the working directory. */
    static final long AT_FDCWD = -100;
    /** connect's result for a non-blocking connect under way. */
    static final long EINPROGRESS = -115;
    /** Also SOCK_CLOEXEC. */
    static final long O_CLOEXEC = 02000000;
    /** Also MFD_CLOEXEC. */
    static final long FD_CLOEXEC = 1;
}
