/* The binary layout of events sent from the kernel to the detector. Decoded by
 * detector/.../capture/RawEvent.java: change both together (LAYOUT_VERSION guards it). */
#ifndef PEREGRINE_EVENTS_H
#define PEREGRINE_EVENTS_H

#define LAYOUT_VERSION 3

/* header.type: a syscall number (x86_64) below 1000, or one of these. */
#define EV_PROC_FORK 1000
#define EV_PROC_EXEC 1001
#define EV_PROC_EXIT 1002

/* interesting[PROC_EVENTS_KEY] enables fork/exec/exit events (no syscall has this number) */
#define PROC_EVENTS_KEY 508

#define MAX_EVENT 16384 /* scratch buffer */
#define HALF_EVENT 8192 /* a param starts below this, so a bounded param always fits */
#define MAX_STR 4096
#define MAX_SOCKADDR 128
#define SNAPLEN 80 /* bytes of a send's or receive's data, as Falco's default snaplen */
#define MAX_IOVCNT 32 /* iovecs of a sendmsg whose lengths make its size, as in Falco's driver */
#define OPEN_HOW_SIZE 24 /* struct open_how: __u64 flags, mode, resolve (openat2's third argument) */
#define CGROUP_NAME_MAX 128

/* Bits of header.flags */
#define EF_EXE_MEMFD (1 << 0)       /* exe comes from memfd_create */
#define EF_EXE_OVERLAY (1 << 1)     /* exe lives on an overlayfs (container image) */
#define EF_EXECVEAT (1 << 2)        /* EV_PROC_EXEC of an execveat (else execve) */
#define EF_EXE_UPPER_LAYER (1 << 3) /* with EF_EXE_OVERLAY: the exe has an upper (writable layer) inode */
#define EF_EXE_WRITABLE (1 << 4)    /* the new image's credentials may write the exe */

struct event_header {
	__u64 ts_boot_ns;   /* bpf_ktime_get_boot_ns() */
	__u64 cgroup_id;    /* cgroup v2 id of the thread */
	__s64 ret;          /* syscall result; for EV_PROC_EXIT the exit code */
	__u64 args[6];      /* raw syscall arguments */
	__u32 tid;
	__u32 pid;          /* thread group id */
	__u32 ppid;         /* real parent's tgid */
	__u32 uid;          /* effective */
	__u32 gid;
	__u32 loginuid;
	__u16 type;
	__u16 size;         /* header + params, bytes */
	__u8 nparams;
	__u8 flags;
	__u16 layout;       /* LAYOUT_VERSION */
	char comm[16];
} __attribute__((packed));

/* Each param: __u16 length, then that many bytes. Strings include no trailing NUL. */

/* Param of socket syscalls: the socket as the kernel sees it after the call. */
struct sock_tuple {
	__u16 family;       /* AF_INET, AF_INET6, AF_UNIX, 0 when not a socket */
	__u16 type;         /* SOCK_STREAM, SOCK_DGRAM, ... */
	__u16 protocol;     /* IPPROTO_TCP, IPPROTO_UDP, ... */
	__u16 lport;        /* host byte order */
	__u16 rport;
	__u8 laddr[16];     /* IPv4 in the first 4 bytes */
	__u8 raddr[16];
} __attribute__((packed));

/* Param of open, openat and creat: the new fd's file (Falco's dev and ino arguments); zero when
 * the open failed. */
struct file_id {
	__u64 ino;          /* inode number */
	__u32 dev;          /* new_encode_dev() of the super block's s_dev: st_dev as stat(2) gives it */
} __attribute__((packed));

/* Param of EV_PROC_EXEC: what rules need of the new image, read while it exists. */
struct exec_info {
	__u64 exe_ino;
	__u64 exe_ctime_ns;
	__u64 exe_mtime_ns;
	__u64 cap_effective;
	__u64 cap_permitted;
	__u64 cap_inheritable;
	__u32 exe_mode;     /* inode mode bits */
	__u32 exe_uid;      /* inode owner */
	__u32 exe_gid;
	__u32 tty;          /* new_encode_dev(major, minor) as /proc/PID/stat's tty_nr; 0 when none */
	__u32 sid;          /* session id (tgid of the leader, init ns) */
	__u32 pgid;
	__u32 vpid;         /* pid inside its pid namespace */
	__u32 vpgid;
	__u64 start_boot_ns;
} __attribute__((packed));

/* Param of EV_PROC_FORK. */
struct fork_info {
	__u32 child_tid;
	__u32 child_pid;
	__u32 child_vpid;
	__u32 is_thread;
	__u64 start_boot_ns;
} __attribute__((packed));

#endif
