/* Helper for KernelTablesTest: makes real syscalls whose effect on the fd table the test checks.
 *   fds sockets   a TCP connection to itself, data both ways on both ends; two UDP sockets
 *   fds servers PATH  TCP listeners bound to a port of 127.0.0.1 and of ::1, and a unix one bound
 *                 to PATH; each accepts one connection from the process itself
 *   fds listening  listeners on 127.0.0.1 and ::1 with a connection each, and a bound UDP socket;
 *                 then waits for stdin to close (for a table read from /proc meanwhile)
 *   fds cloexec   fds with and without close-on-exec, made every way there is, and fds closed by
 *                 close_range; then, once a line comes on stdin, a failed exec and an exec of "fds wait"
 *   fds wait      says "ready", then waits for stdin to close
 * Prints the fd numbers and ports the test needs, as name=value words on one line. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <fcntl.h>
#include <linux/close_range.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <unistd.h>

static struct sockaddr_in loopback(void)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	return a;
}

static int port(int fd)
{
	struct sockaddr_in a;
	socklen_t len = sizeof a;
	getsockname(fd, (struct sockaddr *)&a, &len);
	return ntohs(a.sin_port);
}

/* A listening TCP socket on the loopback, a socket connected to it and the accepted end. */
static void connection(int *listener, int *client, int *accepted, int accept_flags)
{
	struct sockaddr_in a = loopback();
	socklen_t len = sizeof a;
	*listener = socket(AF_INET, SOCK_STREAM, 0);
	bind(*listener, (struct sockaddr *)&a, sizeof a);
	listen(*listener, 1);
	getsockname(*listener, (struct sockaddr *)&a, &len);
	*client = socket(AF_INET, SOCK_STREAM, 0);
	connect(*client, (struct sockaddr *)&a, sizeof a);
	*accepted = accept4(*listener, NULL, NULL, accept_flags);
}

static int sockets(void)
{
	int l, c, s;
	char buf[16];
	connection(&l, &c, &s, 0);
	send(c, "ping", 4, 0);         /* sendto */
	recv(s, buf, sizeof buf, 0);   /* recvfrom */
	struct iovec iov = {.iov_base = "pong", .iov_len = 4};
	struct msghdr m = {.msg_iov = &iov, .msg_iovlen = 1};
	sendmsg(s, &m, 0);
	iov.iov_base = buf;
	iov.iov_len = sizeof buf;
	recvmsg(c, &m, 0);

	/* UDP: a bound socket that receives first, an unbound one that sends first. */
	struct sockaddr_in a = loopback();
	int us = socket(AF_INET, SOCK_DGRAM, 0);
	bind(us, (struct sockaddr *)&a, sizeof a);
	a.sin_port = htons(port(us));
	int uc = socket(AF_INET, SOCK_DGRAM, 0);
	sendto(uc, "ping", 4, 0, (struct sockaddr *)&a, sizeof a);
	recvfrom(us, buf, sizeof buf, 0, NULL, NULL);
	printf("accepted=%d client=%d sport=%d cport=%d udpserver=%d udpclient=%d udpsport=%d udpcport=%d\n", s, c,
	       port(l), port(c), us, uc, port(us), port(uc));
	return 0;
}

/* A listener bound to a port of the loopback address of family (not port 0: the port is chosen
 * here, as a server's is), a socket connected to it and the accepted end; -1s when it cannot. */
static void server(int family, int *listener, int *port, int *client, int *accepted)
{
	struct sockaddr_storage a = {0};
	struct sockaddr_in *in = (struct sockaddr_in *)&a;
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&a;
	socklen_t len = family == AF_INET ? sizeof *in : sizeof *in6;
	*listener = *client = *accepted = *port = -1;
	for (int attempt = 0; attempt < 20; attempt++) {
		memset(&a, 0, sizeof a);
		a.ss_family = family;
		if (family == AF_INET)
			in->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		else
			in6->sin6_addr = in6addr_loopback;
		/* a free port: the one the kernel gives a probe bound to port 0 */
		int probe = socket(family, SOCK_STREAM, 0);
		if (bind(probe, (struct sockaddr *)&a, len) != 0 || getsockname(probe, (struct sockaddr *)&a, &len) != 0) {
			close(probe);
			return;
		}
		close(probe);
		int s = socket(family, SOCK_STREAM, 0);
		if (bind(s, (struct sockaddr *)&a, len) == 0 && listen(s, 1) == 0) {
			*listener = s;
			*port = ntohs(family == AF_INET ? in->sin_port : in6->sin6_port);
			break;
		}
		close(s); /* taken meanwhile: another port */
	}
	if (*listener < 0)
		return;
	*client = socket(family, SOCK_STREAM, 0);
	connect(*client, (struct sockaddr *)&a, len);
	*accepted = accept4(*listener, NULL, NULL, 0);
}

static int local_port(int fd)
{
	struct sockaddr_storage a;
	socklen_t len = sizeof a;
	if (getsockname(fd, (struct sockaddr *)&a, &len) != 0)
		return -1;
	return ntohs(a.ss_family == AF_INET ? ((struct sockaddr_in *)&a)->sin_port : ((struct sockaddr_in6 *)&a)->sin6_port);
}

static int servers(const char *path)
{
	int l4, p4, c4, a4, l6, p6, c6, a6;
	server(AF_INET, &l4, &p4, &c4, &a4);
	server(AF_INET6, &l6, &p6, &c6, &a6);

	struct sockaddr_un u = {.sun_family = AF_UNIX};
	strncpy(u.sun_path, path, sizeof u.sun_path - 1);
	unlink(path);
	int lu = socket(AF_UNIX, SOCK_STREAM, 0);
	bind(lu, (struct sockaddr *)&u, sizeof u);
	listen(lu, 1);
	int cu = socket(AF_UNIX, SOCK_STREAM, 0);
	connect(cu, (struct sockaddr *)&u, sizeof u);
	int au = accept4(lu, NULL, NULL, 0);
	printf("l4=%d p4=%d c4=%d a4=%d cport4=%d l6=%d p6=%d c6=%d a6=%d cport6=%d lu=%d cu=%d au=%d\n", l4, p4, c4, a4,
	       local_port(c4), l6, p6, c6, a6, local_port(c6), lu, cu, au);
	unlink(path);
	return 0;
}

static int listening(void)
{
	int l4, p4, c4, a4, l6, p6, c6, a6;
	server(AF_INET, &l4, &p4, &c4, &a4);
	server(AF_INET6, &l6, &p6, &c6, &a6);
	struct sockaddr_in a = loopback();
	int us = socket(AF_INET, SOCK_DGRAM, 0);
	bind(us, (struct sockaddr *)&a, sizeof a);
	printf("l4=%d p4=%d c4=%d a4=%d l6=%d p6=%d c6=%d a6=%d udp=%d udpport=%d\n", l4, p4, c4, a4, l6, p6, c6, a6, us, port(us));
	fflush(stdout);
	char c;
	while (read(0, &c, 1) > 0)
		;
	return 0;
}

static int cloexec(const char *self, const char *file)
{
	int plain = open(file, O_RDONLY);
	int o_cloexec = open(file, O_RDONLY | O_CLOEXEC);
	int set = open(file, O_RDONLY);
	fcntl(set, F_SETFD, FD_CLOEXEC);
	int cleared = open(file, O_RDONLY | O_CLOEXEC);
	fcntl(cleared, F_SETFD, 0);
	int dupfd_cloexec = fcntl(plain, F_DUPFD_CLOEXEC, 0);
	int dup3_cloexec = dup3(plain, 100, O_CLOEXEC);
	int dup2_of_cloexec = dup2(o_cloexec, 101); /* the copy does not inherit the flag */
	int sock_cloexec = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	int pipe_cloexec[2];
	pipe2(pipe_cloexec, O_CLOEXEC);
	int pipe_plain[2];
	pipe(pipe_plain);
	int memfd_cloexec = memfd_create("peregrine", MFD_CLOEXEC);
	int listener, client, accepted;
	connection(&listener, &client, &accepted, SOCK_CLOEXEC);
	for (int fd = 110; fd <= 115; fd++)
		dup2(plain, fd);
	close_range(110, 112, CLOSE_RANGE_CLOEXEC);
	close_range(113, 114, 0);
	printf("keep=%d,%d,%d,%d,%d,%d,%d,115 drop=%d,%d,%d,%d,%d,%d,%d,%d,%d,110,111,112 closed=113,114\n", plain, cleared,
	       dup2_of_cloexec, pipe_plain[0], pipe_plain[1], listener, client, o_cloexec, set, dupfd_cloexec, dup3_cloexec,
	       sock_cloexec, pipe_cloexec[0], pipe_cloexec[1], memfd_cloexec, accepted);
	fflush(stdout);
	close(-1); /* marks the end of the fds for the test, which reads its record */
	char go;
	if (read(0, &go, 1) != 1)
		return 1;
	execl("/nonexistent-peregrine", "nothing", (char *)NULL); /* fails: every fd stays */
	execl(self, self, "wait", (char *)NULL);
	return 1;
}

int main(int argc, char **argv)
{
	if (argc > 1 && strcmp(argv[1], "sockets") == 0)
		return sockets();
	if (argc > 2 && strcmp(argv[1], "servers") == 0)
		return servers(argv[2]);
	if (argc > 1 && strcmp(argv[1], "listening") == 0)
		return listening();
	if (argc > 2 && strcmp(argv[1], "cloexec") == 0)
		return cloexec(argv[0], argv[2]);
	if (argc > 1 && strcmp(argv[1], "wait") == 0) {
		char c;
		printf("ready\n");
		fflush(stdout);
		while (read(0, &c, 1) > 0)
			;
		return 0;
	}
	fprintf(stderr, "usage: fds sockets | fds servers PATH | fds listening | fds cloexec FILE | fds wait\n");
	return 2;
}
