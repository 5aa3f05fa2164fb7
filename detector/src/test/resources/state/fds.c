/* Helper for KernelTablesTest: makes real syscalls whose effect on the fd table the test checks.
 *   fds sockets   a TCP connection to itself, data both ways on both ends; two UDP sockets
 * Prints the fd numbers and ports the test needs, as name=value words on one line. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
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

int main(int argc, char **argv)
{
	if (argc > 1 && strcmp(argv[1], "sockets") == 0)
		return sockets();
	fprintf(stderr, "usage: fds sockets\n");
	return 2;
}
