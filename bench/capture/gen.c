/* Syscall load generator for the capture benchmark (bench/capture/run.sh).
 *
 *   gen open     THREADS COUNT SECONDS FILE   openat(FILE, O_RDONLY) + close, COUNT times in all
 *   gen forkexec THREADS COUNT SECONDS        fork + execve(/bin/true) + waitpid, COUNT times in all
 *
 * COUNT is split evenly over THREADS threads; every thread also stops after SECONDS (checked
 * every 256 operations), so a step is bounded in count and time. Prints one line:
 *   mode=open threads=2 ops=2000000 seconds=3.210 ops_per_s=623052 complete=1
 * complete=0 when the time limit cut the run short. Exit status 1 on any failed syscall. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static const char *mode, *file;
static long per_thread;
static double limit;
static struct timespec t0;
static atomic_long done_ops;
static atomic_int failed;
static char *const true_argv[] = {"true", NULL};
static char *const empty_env[] = {NULL};

static double since(const struct timespec *a)
{
	struct timespec b;
	clock_gettime(CLOCK_MONOTONIC, &b);
	return (b.tv_sec - a->tv_sec) + (b.tv_nsec - a->tv_nsec) / 1e9;
}

static int open_close(void)
{
	int fd = openat(AT_FDCWD, file, O_RDONLY);
	if (fd < 0)
		return -1;
	return close(fd);
}

static int fork_exec(void)
{
	pid_t pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		execve("/bin/true", true_argv, empty_env);
		_exit(127);
	}
	int status;
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
		return -1;
	return 0;
}

static void *worker(void *arg)
{
	(void)arg;
	int (*op)(void) = strcmp(mode, "open") == 0 ? open_close : fork_exec;
	long n = 0;
	while (n < per_thread) {
		if (op() != 0) {
			fprintf(stderr, "gen: %s failed: %s\n", mode, strerror(errno));
			atomic_store(&failed, 1);
			break;
		}
		n++;
		if ((n & 255) == 0 && since(&t0) > limit)
			break;
	}
	atomic_fetch_add(&done_ops, n);
	return NULL;
}

int main(int argc, char **argv)
{
	if (argc < 5 || (strcmp(argv[1], "open") != 0 && strcmp(argv[1], "forkexec") != 0) ||
	    (strcmp(argv[1], "open") == 0 && argc < 6)) {
		fprintf(stderr, "usage: gen open THREADS COUNT SECONDS FILE | gen forkexec THREADS COUNT SECONDS\n");
		return 2;
	}
	mode = argv[1];
	int threads = atoi(argv[2]);
	long count = atol(argv[3]);
	limit = atof(argv[4]);
	file = argc > 5 ? argv[5] : NULL;
	if (threads < 1 || threads > 64 || count < threads || limit <= 0) {
		fprintf(stderr, "gen: bad THREADS, COUNT or SECONDS\n");
		return 2;
	}
	per_thread = count / threads;
	pthread_t tids[64];
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (int i = 0; i < threads; i++)
		if (pthread_create(&tids[i], NULL, worker, NULL) != 0) {
			fprintf(stderr, "gen: pthread_create failed\n");
			return 1;
		}
	for (int i = 0; i < threads; i++)
		pthread_join(tids[i], NULL);
	double secs = since(&t0);
	long ops = atomic_load(&done_ops);
	printf("mode=%s threads=%d ops=%ld seconds=%.3f ops_per_s=%.0f complete=%d\n", mode, threads, ops, secs,
	       ops / secs, ops == per_thread * threads);
	return atomic_load(&failed) ? 1 : 0;
}
