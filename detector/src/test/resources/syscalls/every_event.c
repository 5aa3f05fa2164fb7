/* Makes each syscall of docs/events.md (some twice: succeeding and failing) in the directory
 * argv[1], for SyscallEventsLiveTest. Prints the ports it used: "tcp=PORT udp=PORT". The old
 * syscalls (open, creat, mkdir, ...) are called by number: glibc makes their *at versions. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <netinet/in.h>
#include <sched.h>
#include <stdio.h>
#include <sys/mman.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static void in_child(int (*step)(void))
{
	pid_t pid = fork();
	if (pid == 0)
		_exit(step());
	waitpid(pid, NULL, 0);
}

static int traceme(void) { return ptrace(PTRACE_TRACEME, 0, 0, 0) != 0; }
/* to nobody, then back to root: not allowed any more */
static int drop_root(void) { return syscall(SYS_setuid, 65534) != 0 || syscall(SYS_setuid, 0) == 0; }
static int new_namespaces(void) { return unshare(CLONE_NEWUTS | CLONE_NEWIPC) != 0; }
static int run_true(void)
{
	char *argv[] = {"true", NULL};
	return syscall(SYS_execveat, AT_FDCWD, "/bin/true", argv, NULL, 0);
}

static struct sockaddr_in loopback(void)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	return a;
}

int main(int argc, char **argv)
{
	if (argc < 2 || chdir(argv[1]) != 0)
		return 2;

	/* files */
	int f = openat(AT_FDCWD, "f-openat", O_WRONLY | O_CREAT | O_TRUNC, 0640);
	syscall(SYS_open, "f-openat", O_RDONLY);
	syscall(SYS_open, "no-such-file", O_RDONLY); /* ENOENT: no file, so dev and ino are 0 */
	struct open_how how = {.flags = O_RDONLY | O_CLOEXEC, .resolve = RESOLVE_NO_SYMLINKS};
	syscall(SYS_openat2, AT_FDCWD, "f-openat", &how, sizeof how);
	int c = syscall(SYS_creat, "f-creat", 0600);
	dup(f);
	syscall(SYS_dup2, f, 100);
	dup3(f, 101, O_CLOEXEC);
	syscall(SYS_mkdir, "d1", 0750);
	int dir = open("d1", O_RDONLY | O_DIRECTORY);
	syscall(SYS_mkdirat, dir, "d2", 0700);
	syscall(SYS_rmdir, "d1/d2");
	close(openat(dir, "m", O_WRONLY | O_CREAT, 0644));
	syscall(SYS_link, "f-creat", "f-link");
	syscall(SYS_linkat, AT_FDCWD, "f-creat", dir, "f-linkat", 0);
	syscall(SYS_symlink, "/etc/shadow", "s-link");
	syscall(SYS_symlinkat, "f-creat", dir, "s-linkat");
	syscall(SYS_rename, "f-link", "f-renamed");
	syscall(SYS_renameat, dir, "f-linkat", AT_FDCWD, "f-renameat");
	syscall(SYS_renameat2, AT_FDCWD, "f-renameat", dir, "f-renameat2", 1 /* RENAME_NOREPLACE */);
	syscall(SYS_unlink, "f-renamed");
	syscall(SYS_unlinkat, dir, "f-renameat2", 0);
	syscall(SYS_unlinkat, AT_FDCWD, "d1", AT_REMOVEDIR); /* not empty */
	syscall(SYS_chmod, "f-openat", 04755);
	fchmod(c, 02750);
	syscall(SYS_fchmodat, dir, "m", 0600);

	/* programs */
	char *none[] = {"none", NULL};
	syscall(SYS_execve, "./no-such-program", none, NULL);
	syscall(SYS_execveat, dir, "no-such-program", none, NULL, 0);
	in_child(run_true);

	/* TCP on loopback */
	int ls = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in tcp = loopback();
	socklen_t len = sizeof tcp;
	bind(ls, (struct sockaddr *)&tcp, sizeof tcp);
	listen(ls, 7);
	getsockname(ls, (struct sockaddr *)&tcp, &len);
	connect(socket(AF_INET, SOCK_STREAM, 0), (struct sockaddr *)&tcp, sizeof tcp);
	syscall(SYS_accept, ls, NULL, NULL);
	connect(socket(AF_INET, SOCK_STREAM, 0), (struct sockaddr *)&tcp, sizeof tcp);
	accept4(ls, NULL, NULL, SOCK_CLOEXEC);

	/* UDP: two unconnected senders to one unconnected receiver */
	int r = socket(AF_INET, SOCK_DGRAM, 0);
	struct sockaddr_in udp = loopback();
	len = sizeof udp;
	bind(r, (struct sockaddr *)&udp, sizeof udp);
	getsockname(r, (struct sockaddr *)&udp, &len);
	char buf[64];
	struct sockaddr_in from;
	socklen_t fromlen = sizeof from;
	sendto(socket(AF_INET, SOCK_DGRAM, 0), "ping", 4, 0, (struct sockaddr *)&udp, sizeof udp);
	recvfrom(r, buf, sizeof buf, 0, (struct sockaddr *)&from, &fromlen);
	struct iovec out[] = {{.iov_base = "pong!", .iov_len = 5}, {.iov_base = " and more", .iov_len = 9}};
	struct msghdr msg = {.msg_name = &udp, .msg_namelen = sizeof udp, .msg_iov = out, .msg_iovlen = 2};
	sendmsg(socket(AF_INET, SOCK_DGRAM, 0), &msg, 0);
	struct iovec in = {.iov_base = buf, .iov_len = sizeof buf};
	struct msghdr got = {.msg_name = &from, .msg_namelen = sizeof from, .msg_iov = &in, .msg_iovlen = 1};
	recvmsg(r, &got, 0);
	recvmsg(r, &got, MSG_DONTWAIT); /* EAGAIN: nothing left, so size 0 */

	/* privileges and namespaces */
	in_child(traceme);
	ptrace(PTRACE_ATTACH, 0x3ffffff0, 0, 0); /* no such process */
	syscall(SYS_setuid, 0);
	in_child(drop_root);
	setns(open("/proc/self/ns/uts", O_RDONLY), CLONE_NEWUTS);
	in_child(new_namespaces);

	/* kernel: none of these can succeed */
	syscall(SYS_bpf, 5 /* BPF_PROG_LOAD */, NULL, 0);
	syscall(SYS_init_module, "nope", 4, "a=1");
	syscall(SYS_finit_module, f, "b=2", 0); /* f is write-only */
	syscall(SYS_userfaultfd, O_CLOEXEC | O_NONBLOCK);
	memfd_create("peregrine-memfd", MFD_CLOEXEC);

	printf("tcp=%d udp=%d\n", ntohs(tcp.sin_port), ntohs(udp.sin_port));
	return 0;
}
