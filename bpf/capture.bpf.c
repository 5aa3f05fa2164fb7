// SPDX-License-Identifier: GPL-2.0
/* Syscall capture for Peregrine: one event per completed syscall (arguments read at exit,
 * as Falco's modern probe does), plus process fork/exec/exit. Only syscalls userspace marked
 * in `interesting` leave the kernel. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "events.h"
#include "syscalls.h"
#include "exe.h"

char LICENSE[] SEC("license") = "GPL";

#define WAKEUP_BYTES (256 * 1024)
#define AF_UNIX 1
#define AF_INET 2
#define AF_INET6 10

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 16 * 1024 * 1024);
} events SEC(".maps");

/* syscall nr -> 1 when userspace wants it */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 512);
	__type(key, __u32);
	__type(value, __u8);
} interesting SEC(".maps");

/* [0] = tgid to ignore (the detector itself) */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} settings SEC(".maps");

/* [0] = events lost because the ring buffer was full; summed over CPUs by userspace */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} drops SEC(".maps");

/* tgid -> 1 while it is in execveat: sched_process_exec does not say which exec call ran (the
 * task's orig_ax reads 59 there even for an execveat), so the call's own entry tracepoint marks it. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 4096);
	__type(key, __u32);
	__type(value, __u8);
} in_execveat SEC(".maps");

struct scratch {
	__u8 buf[MAX_EVENT];
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct scratch);
} scratch_map SEC(".maps");

static __always_inline struct event_header *hdr(struct scratch *s)
{
	return (struct event_header *)s->buf;
}

static __always_inline bool ignored(void)
{
	__u32 zero = 0;
	__u32 *self = bpf_map_lookup_elem(&settings, &zero);
	return self && *self == (bpf_get_current_pid_tgid() >> 32);
}

static __always_inline struct scratch *begin(__u16 type)
{
	__u32 zero = 0;
	struct scratch *s = bpf_map_lookup_elem(&scratch_map, &zero);
	if (!s)
		return NULL;
	struct event_header *h = hdr(s);
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	__u64 uid_gid = bpf_get_current_uid_gid();
	h->ts_boot_ns = bpf_ktime_get_boot_ns();
	h->cgroup_id = bpf_get_current_cgroup_id();
	h->ret = 0;
	h->tid = (__u32)pid_tgid;
	h->pid = pid_tgid >> 32;
	h->ppid = BPF_CORE_READ(task, real_parent, tgid);
	/* effective ids, as Falco's user.uid */
	h->uid = BPF_CORE_READ(task, cred, euid.val);
	h->gid = BPF_CORE_READ(task, cred, egid.val);
	(void)uid_gid;
	h->loginuid = BPF_CORE_READ(task, loginuid.val);
	h->type = type;
	h->size = sizeof(struct event_header);
	h->nparams = 0;
	h->flags = 0;
	h->layout = LAYOUT_VERSION;
	bpf_get_current_comm(h->comm, sizeof(h->comm));
	return s;
}

/* Each push writes a u16 length then the bytes at h->size, and moves h->size on. A param
 * starts below HALF_EVENT and is at most MAX_STR long, which keeps the verifier satisfied. */
static __always_inline void push_bytes(struct scratch *s, const void *src, __u32 len, bool user)
{
	struct event_header *h = hdr(s);
	__u32 off = h->size;
	if (off >= HALF_EVENT - 2)
		return;
	if (len > MAX_STR)
		len = MAX_STR;
	/* Changes no length up to MAX_STR; keeps the bound in the register the read uses, which
	 * clang's rearranging of callers' clamps (the socket address lengths) can lose otherwise. */
	asm volatile("" : "+r"(len));
	len &= 2 * MAX_STR - 1;
	long err = 0;
	if (len > 0 && src) {
		err = user ? bpf_probe_read_user(&s->buf[(off + 2) & (HALF_EVENT - 1)], len, src)
			   : bpf_probe_read_kernel(&s->buf[(off + 2) & (HALF_EVENT - 1)], len, src);
	}
	if (err || !src)
		len = 0;
	*(__u16 *)&s->buf[off & (HALF_EVENT - 1)] = len;
	h->size = off + 2 + len;
	h->nparams++;
}

static __always_inline void push_str(struct scratch *s, const char *src, bool user)
{
	struct event_header *h = hdr(s);
	__u32 off = h->size;
	if (off >= HALF_EVENT - 2)
		return;
	long n = 0;
	if (src) {
		n = user ? bpf_probe_read_user_str(&s->buf[(off + 2) & (HALF_EVENT - 1)], MAX_STR, src)
			 : bpf_probe_read_kernel_str(&s->buf[(off + 2) & (HALF_EVENT - 1)], MAX_STR, src);
	}
	if (n > 0)
		n--; /* drop the NUL */
	else
		n = 0;
	*(__u16 *)&s->buf[off & (HALF_EVENT - 1)] = (__u16)n;
	h->size = off + 2 + (__u32)n;
	h->nparams++;
}

static __always_inline void submit(struct scratch *s)
{
	__u32 size = hdr(s)->size;
	if (size > MAX_EVENT)
		size = MAX_EVENT;
	/* Wake userspace only once enough has queued: per-event wakeups cost more than the event. */
	__u64 flags = bpf_ringbuf_query(&events, BPF_RB_AVAIL_DATA) >= WAKEUP_BYTES ? BPF_RB_FORCE_WAKEUP
										     : BPF_RB_NO_WAKEUP;
	if (bpf_ringbuf_output(&events, s->buf, size & (MAX_EVENT - 1), flags) != 0) {
		__u32 zero = 0;
		__u64 *n = bpf_map_lookup_elem(&drops, &zero);
		if (n)
			(*n)++;
	}
}

static __always_inline struct file *fd_file(struct task_struct *task, long fd)
{
	if (fd < 0)
		return NULL;
	struct files_struct *files = BPF_CORE_READ(task, files);
	struct fdtable *fdt = BPF_CORE_READ(files, fdt);
	unsigned int max = BPF_CORE_READ(fdt, max_fds);
	if (fd >= max)
		return NULL;
	struct file **fds = BPF_CORE_READ(fdt, fd);
	struct file *f = NULL;
	bpf_probe_read_kernel(&f, sizeof(f), &fds[fd]);
	return f;
}

/* new_encode_dev(): a device number as userspace sees it (stat's st_dev, /proc/PID/stat's
 * tty_nr), which is also how Falco's driver encodes dev and proc.tty. */
static __always_inline __u32 encode_dev(__u32 major, __u32 minor)
{
	return (minor & 0xff) | (major << 8) | ((minor & ~0xffU) << 12);
}

/* The device and inode of the file behind fd (an open's new fd): Falco's dev and ino. */
static __always_inline void push_file_id(struct scratch *s, long fd)
{
	struct file_id id = {};
	struct file *f = fd_file((struct task_struct *)bpf_get_current_task(), fd);
	if (f) {
		struct inode *inode = BPF_CORE_READ(f, f_inode);
		dev_t dev = BPF_CORE_READ(inode, i_sb, s_dev);
		id.ino = BPF_CORE_READ(inode, i_ino);
		id.dev = encode_dev(dev >> 20, dev & ((1U << 20) - 1)); /* the kernel's dev_t is MAJOR << 20 | MINOR */
	}
	push_bytes(s, &id, sizeof(id), false);
}

/* The socket behind fd as the kernel sees it, or family 0 when fd is not an IP/unix socket. */
static __always_inline void push_tuple(struct scratch *s, long fd)
{
	struct sock_tuple t = {};
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	struct file *f = fd_file(task, fd);
	if (f) {
		struct socket *sock = BPF_CORE_READ(f, private_data);
		umode_t mode = BPF_CORE_READ(f, f_inode, i_mode);
		if (sock && (mode & 0170000) == 0140000) { /* S_IFSOCK */
			struct sock *sk = BPF_CORE_READ(sock, sk);
			t.type = BPF_CORE_READ(sock, type);
			t.family = BPF_CORE_READ(sk, __sk_common.skc_family);
			t.protocol = BPF_CORE_READ(sk, sk_protocol);
			t.lport = BPF_CORE_READ(sk, __sk_common.skc_num);
			t.rport = __builtin_bswap16(BPF_CORE_READ(sk, __sk_common.skc_dport));
			if (t.family == AF_INET) {
				__u32 l = BPF_CORE_READ(sk, __sk_common.skc_rcv_saddr);
				__u32 r = BPF_CORE_READ(sk, __sk_common.skc_daddr);
				__builtin_memcpy(t.laddr, &l, 4);
				__builtin_memcpy(t.raddr, &r, 4);
			} else if (t.family == AF_INET6) {
				BPF_CORE_READ_INTO(&t.laddr, sk, __sk_common.skc_v6_rcv_saddr.in6_u.u6_addr8);
				BPF_CORE_READ_INTO(&t.raddr, sk, __sk_common.skc_v6_daddr.in6_u.u6_addr8);
			}
		}
	}
	push_bytes(s, &t, sizeof(t), false);
}

/* The socket address a user buffer holds, *lenp bytes (a socklen_t the kernel wrote back). */
static __always_inline void push_user_sockaddr(struct scratch *s, const void *addr, const int *lenp)
{
	int len = 0;
	if (addr && lenp)
		bpf_probe_read_user(&len, sizeof(len), lenp);
	push_bytes(s, addr, len > 0 ? (len > MAX_SOCKADDR ? MAX_SOCKADDR : len) : 0, true);
}

/* msg_name of a struct user_msghdr: the destination of sendmsg, the sender recvmsg filled in
 * (msg_namelen is updated by the kernel before the syscall returns). */
static __always_inline void push_msg_name(struct scratch *s, const struct user_msghdr *msg)
{
	void *name = NULL;
	if (msg)
		bpf_probe_read_user(&name, sizeof(name), &msg->msg_name);
	push_user_sockaddr(s, name, msg ? &msg->msg_namelen : NULL);
}

/* The first SNAPLEN bytes a send or receive moved (Falco's data parameter and evt.buffer). */
static __always_inline void push_data(struct scratch *s, const void *buf, long moved)
{
	push_bytes(s, buf, moved > 0 ? (moved > SNAPLEN ? SNAPLEN : moved) : 0, true);
}

/* ... for sendmsg and recvmsg, from the first iovec of the msghdr */
static __always_inline void push_msg_data(struct scratch *s, const struct user_msghdr *msg, long moved)
{
	struct iovec *iovp = NULL;
	struct iovec iov = {};
	if (msg && moved > 0) {
		bpf_probe_read_user(&iovp, sizeof(iovp), &msg->msg_iov);
		if (iovp)
			bpf_probe_read_user(&iov, sizeof(iov), iovp);
	}
	push_data(s, iov.iov_base, moved < (long)iov.iov_len ? moved : (long)iov.iov_len);
}

/* sendmsg's size: the lengths of the iovecs the caller passed, summed over at most MAX_IOVCNT of
 * them and kept to 32 bits, as Falco's driver does. */
static __always_inline void push_msg_size(struct scratch *s, const struct user_msghdr *msg)
{
	struct iovec *iovp = NULL;
	__u64 iovlen = 0;
	__u32 size = 0;
	if (msg) {
		bpf_probe_read_user(&iovp, sizeof(iovp), &msg->msg_iov);
		bpf_probe_read_user(&iovlen, sizeof(iovlen), &msg->msg_iovlen);
	}
	for (int i = 0; i < MAX_IOVCNT && iovp && i < iovlen; i++) {
		__u64 len = 0;
		if (bpf_probe_read_user(&len, sizeof(len), &iovp[i].iov_len))
			break;
		size += (__u32)len;
	}
	push_bytes(s, &size, sizeof(size), false);
}

/* Up to MAX_STR bytes of user memory [start, end): argv or environ, NUL-separated. */
static __always_inline void push_user_range(struct scratch *s, unsigned long start, unsigned long end)
{
	unsigned long len = end > start ? end - start : 0;
	push_bytes(s, (const void *)start, len > MAX_STR ? MAX_STR : len, true);
}

SEC("tp_btf/sys_exit")
int BPF_PROG(sys_exit, struct pt_regs *regs, long ret)
{
	long nr = BPF_CORE_READ(regs, orig_ax);
	if (nr < 0 || nr >= 512)
		return 0;
	if (nr == __NR_execveat) { /* failed (a successful one returns in the new image, marked already read) */
		__u32 tgid = bpf_get_current_pid_tgid() >> 32;
		bpf_map_delete_elem(&in_execveat, &tgid);
	}
	__u32 key = nr;
	__u8 *want = bpf_map_lookup_elem(&interesting, &key);
	if (!want || !*want || ignored())
		return 0;
	/* fcntl is frequent; only its dup commands (F_DUPFD, F_DUPFD_CLOEXEC) and F_SETFD, which
	 * sets or clears close-on-exec, change the fd table. */
	if (nr == __NR_fcntl) {
		long cmd = BPF_CORE_READ(regs, si);
		if (cmd != 0 && cmd != 1030 && cmd != 2)
			return 0;
	}
	/* A successful exec is reported by sched_process_exec, with the new image's details. */
	if ((nr == __NR_execve || nr == __NR_execveat) && ret == 0)
		return 0;
	struct scratch *s = begin(nr);
	if (!s)
		return 0;
	struct event_header *h = hdr(s);
	h->ret = ret;
	h->args[0] = BPF_CORE_READ(regs, di);
	h->args[1] = BPF_CORE_READ(regs, si);
	h->args[2] = BPF_CORE_READ(regs, dx);
	h->args[3] = BPF_CORE_READ(regs, r10);
	h->args[4] = BPF_CORE_READ(regs, r8);
	h->args[5] = BPF_CORE_READ(regs, r9);
	const char *a0 = (const char *)h->args[0];
	const char *a1 = (const char *)h->args[1];
	const char *a2 = (const char *)h->args[2];
	const char *a3 = (const char *)h->args[3];

	switch (nr) {
	/* opens: the path, then the new fd's device and inode */
	case __NR_open:
	case __NR_creat:
		push_str(s, a0, true);
		push_file_id(s, ret);
		break;
	case __NR_openat:
		push_str(s, a1, true);
		push_file_id(s, ret);
		break;
	/* one path in arg 0 */
	case __NR_chdir:
	case __NR_mkdir:
	case __NR_rmdir:
	case __NR_unlink:
	case __NR_chmod:
	case __NR_execve:
	case __NR_chroot:
		push_str(s, a0, true);
		break;
	/* dirfd in arg 0, path in arg 1 */
	case __NR_openat2:
		/* the path, then struct open_how (flags, mode, resolve), which holds openat2's flags */
		push_str(s, a1, true);
		push_bytes(s, a2, h->args[3] < OPEN_HOW_SIZE ? h->args[3] : OPEN_HOW_SIZE, true);
		break;
	case __NR_mkdirat:
	case __NR_unlinkat:
	case __NR_fchmodat:
	case __NR_execveat:
		push_str(s, a1, true);
		break;
	/* two paths */
	case __NR_link:
	case __NR_symlink:
	case __NR_rename:
		push_str(s, a0, true);
		push_str(s, a1, true);
		break;
	case __NR_linkat:
	case __NR_renameat:
	case __NR_renameat2:
		push_str(s, a1, true);
		push_str(s, a3, true);
		break;
	case __NR_symlinkat:
		push_str(s, a0, true);
		push_str(s, a2, true);
		break;
	/* sockets: the tuple, and the address the caller passed where there is one */
	case __NR_connect:
	case __NR_bind:
		push_tuple(s, (long)h->args[0]);
		push_bytes(s, a1, h->args[2] > MAX_SOCKADDR ? MAX_SOCKADDR : h->args[2], true);
		break;
	case __NR_sendto:
		push_tuple(s, (long)h->args[0]);
		push_bytes(s, (const void *)h->args[4], h->args[5] > MAX_SOCKADDR ? MAX_SOCKADDR : h->args[5], true);
		push_data(s, a1, ret);
		break;
	case __NR_accept:
	case __NR_accept4:
		push_tuple(s, ret);
		break;
	case __NR_listen:
		push_tuple(s, (long)h->args[0]);
		break;
	/* An unconnected (UDP) socket's peer is only in the call's address, not in the socket. */
	case __NR_sendmsg:
		push_tuple(s, (long)h->args[0]);
		push_msg_name(s, (const struct user_msghdr *)h->args[1]);
		push_msg_data(s, (const struct user_msghdr *)h->args[1], ret);
		push_msg_size(s, (const struct user_msghdr *)h->args[1]);
		break;
	case __NR_recvmsg:
		push_tuple(s, (long)h->args[0]);
		push_msg_name(s, ret >= 0 ? (const struct user_msghdr *)h->args[1] : NULL);
		push_msg_data(s, (const struct user_msghdr *)h->args[1], ret);
		break;
	case __NR_recvfrom:
		push_tuple(s, (long)h->args[0]);
		push_user_sockaddr(s, ret >= 0 ? (const void *)h->args[4] : NULL, (const int *)h->args[5]);
		push_data(s, a1, ret);
		break;
	/* memfd_create's name, init_module's and finit_module's module parameters */
	case __NR_memfd_create:
		push_str(s, a0, true);
		break;
	case __NR_init_module:
		push_str(s, a2, true);
		break;
	case __NR_finit_module:
		push_str(s, a1, true);
		break;
	/* the two fds the kernel wrote */
	case __NR_pipe:
	case __NR_pipe2:
		push_bytes(s, a0, 8, true);
		break;
	case __NR_socketpair:
		push_bytes(s, a3, 8, true);
		break;
	default:
		break;
	}
	submit(s);
	return 0;
}

static __always_inline __u32 tty_of(struct task_struct *task)
{
	struct tty_struct *tty = BPF_CORE_READ(task, signal, tty);
	if (!tty)
		return 0;
	__u32 major = BPF_CORE_READ(tty, driver, major);
	__u32 minor = BPF_CORE_READ(tty, driver, minor_start) + BPF_CORE_READ(tty, index);
	return encode_dev(major, minor); /* the tty_nr of /proc/PID/stat and Falco's proc.tty */
}

static __always_inline __u32 ns_pid(struct pid *pid)
{
	if (!pid)
		return 0;
	unsigned int level = BPF_CORE_READ(pid, level);
	return BPF_CORE_READ(pid, numbers[level & 31].nr);
}

static __always_inline void push_cgroup_name(struct scratch *s, struct task_struct *task)
{
	const char *name = BPF_CORE_READ(task, cgroups, dfl_cgrp, kn, name);
	push_str(s, name, false);
}

SEC("tp_btf/sched_process_exec")
int BPF_PROG(sched_process_exec, struct task_struct *task, pid_t old_pid, struct linux_binprm *bprm)
{
	__u32 key = PROC_EVENTS_KEY;
	__u8 *want = bpf_map_lookup_elem(&interesting, &key);
	if (!want || !*want || ignored())
		return 0;
	struct scratch *s = begin(EV_PROC_EXEC);
	if (!s)
		return 0;
	struct event_header *h = hdr(s);
	struct mm_struct *mm = BPF_CORE_READ(task, mm);
	struct file *exe = BPF_CORE_READ(mm, exe_file);
	struct inode *inode = BPF_CORE_READ(exe, f_inode);
	struct exec_info info = {};
	info.exe_ino = BPF_CORE_READ(inode, i_ino);
	if (bpf_core_field_exists(inode->i_ctime_sec)) {
		info.exe_ctime_ns = BPF_CORE_READ(inode, i_ctime_sec) * 1000000000ULL + BPF_CORE_READ(inode, i_ctime_nsec);
		info.exe_mtime_ns = BPF_CORE_READ(inode, i_mtime_sec) * 1000000000ULL + BPF_CORE_READ(inode, i_mtime_nsec);
	}
	info.exe_mode = BPF_CORE_READ(inode, i_mode);
	info.exe_uid = BPF_CORE_READ(inode, i_uid.val);
	info.exe_gid = BPF_CORE_READ(inode, i_gid.val);
	info.cap_effective = BPF_CORE_READ(task, cred, cap_effective.val);
	info.cap_permitted = BPF_CORE_READ(task, cred, cap_permitted.val);
	info.cap_inheritable = BPF_CORE_READ(task, cred, cap_inheritable.val);
	info.tty = tty_of(task);
	info.sid = BPF_CORE_READ(task, signal, pids[PIDTYPE_SID], numbers[0].nr);
	info.pgid = BPF_CORE_READ(task, signal, pids[PIDTYPE_PGID], numbers[0].nr);
	info.vpid = ns_pid(BPF_CORE_READ(task, thread_pid));
	info.vpgid = ns_pid(BPF_CORE_READ(task, signal, pids[PIDTYPE_PGID]));
	info.start_boot_ns = BPF_CORE_READ(task, start_boottime);

	const unsigned char *dname = BPF_CORE_READ(exe, f_path.dentry, d_name.name);
	h->flags |= exe_flags(task, exe, inode);
	__u32 tgid = bpf_get_current_pid_tgid() >> 32;
	if (bpf_map_lookup_elem(&in_execveat, &tgid)) {
		h->flags |= EF_EXECVEAT;
		bpf_map_delete_elem(&in_execveat, &tgid);
	}

	push_str(s, BPF_CORE_READ(bprm, filename), false);
	push_user_range(s, BPF_CORE_READ(mm, arg_start), BPF_CORE_READ(mm, arg_end));
	push_user_range(s, BPF_CORE_READ(mm, env_start), BPF_CORE_READ(mm, env_end));
	push_bytes(s, &info, sizeof(info), false);
	push_cgroup_name(s, task);
	push_str(s, (const char *)dname, false);
	submit(s);
	return 0;
}

/* Only execveat's own entry: costs nothing for other syscalls. A classic tracepoint, so it needs
 * tracefs (fentry on __x64_sys_execveat is refused with EPERM here); userspace treats it as
 * optional: without it a successful execveat reads as execve. */
SEC("tracepoint/syscalls/sys_enter_execveat")
int execveat_entry(void *ctx)
{
	__u32 tgid = bpf_get_current_pid_tgid() >> 32;
	__u8 one = 1;
	bpf_map_update_elem(&in_execveat, &tgid, &one, BPF_ANY);
	return 0;
}

SEC("tp_btf/sched_process_fork")
int BPF_PROG(sched_process_fork, struct task_struct *parent, struct task_struct *child)
{
	__u32 key = PROC_EVENTS_KEY;
	__u8 *want = bpf_map_lookup_elem(&interesting, &key);
	if (!want || !*want || ignored())
		return 0;
	struct scratch *s = begin(EV_PROC_FORK);
	if (!s)
		return 0;
	struct fork_info info = {};
	info.child_tid = BPF_CORE_READ(child, pid);
	info.child_pid = BPF_CORE_READ(child, tgid);
	info.child_vpid = ns_pid(BPF_CORE_READ(child, thread_pid));
	info.is_thread = info.child_pid == BPF_CORE_READ(parent, tgid);
	info.start_boot_ns = BPF_CORE_READ(child, start_boottime);
	push_bytes(s, &info, sizeof(info), false);
	push_cgroup_name(s, child);
	submit(s);
	return 0;
}

SEC("tp_btf/sched_process_exit")
int BPF_PROG(sched_process_exit, struct task_struct *task, bool group_dead)
{
	__u32 key = PROC_EVENTS_KEY;
	__u8 *want = bpf_map_lookup_elem(&interesting, &key);
	if (!want || !*want || ignored())
		return 0;
	struct scratch *s = begin(EV_PROC_EXIT);
	if (!s)
		return 0;
	struct event_header *h = hdr(s);
	h->ret = BPF_CORE_READ(task, exit_code);
	h->args[0] = group_dead;
	submit(s);
	return 0;
}
