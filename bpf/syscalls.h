/* x86_64 syscall numbers used by capture.bpf.c (from asm/unistd_64.h; the ABI never changes them). */
#ifndef PEREGRINE_SYSCALLS_H
#define PEREGRINE_SYSCALLS_H
#define __NR_open 2
#define __NR_pipe 22
#define __NR_connect 42
#define __NR_accept 43
#define __NR_sendto 44
#define __NR_recvfrom 45
#define __NR_sendmsg 46
#define __NR_recvmsg 47
#define __NR_bind 49
#define __NR_listen 50
#define __NR_socketpair 53
#define __NR_execve 59
#define __NR_chdir 80
#define __NR_rename 82
#define __NR_mkdir 83
#define __NR_rmdir 84
#define __NR_creat 85
#define __NR_link 86
#define __NR_unlink 87
#define __NR_symlink 88
#define __NR_chmod 90
#define __NR_chroot 161
#define __NR_openat 257
#define __NR_mkdirat 258
#define __NR_unlinkat 263
#define __NR_renameat 264
#define __NR_linkat 265
#define __NR_symlinkat 266
#define __NR_fchmodat 268
#define __NR_accept4 288
#define __NR_pipe2 293
#define __NR_renameat2 316
#define __NR_execveat 322
#define __NR_openat2 437
#define __NR_fcntl 72
#define __NR_init_module 175
#define __NR_finit_module 313
#define __NR_memfd_create 319
#endif
