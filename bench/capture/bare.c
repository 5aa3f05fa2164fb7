/* The ceiling of the capture benchmark: a bare libbpf consumer of the detector's own BPF object
 * (detector/target/classes/bpf/capture.bpf.o), configured as Capture.java / LiveDetection
 * configure it, that only counts what arrives.
 *
 *   bare OBJECT SYSCALLS STATS SECONDS
 *
 * SYSCALLS: the comma-separated syscall numbers to send up (`detector.jar rules syscalls` prints
 * the detector's); fork/exec/exit events are always on (interesting[508]), and this process's own
 * events are ignored (settings[0]), as the detector does. The ring buffer is polled as the
 * detector polls it: ring_buffer__poll(10 ms), then ring_buffer__consume when the wait timed out
 * (the kernel side wakes userspace only once 256 KiB have queued).
 *
 * STATS: a one-line text file that this program keeps current through a shared mapping:
 * "RECORDS DROPS PROC_RECORDS BYTES" (records received, kernel drops, records of fork/exec/exit,
 * bytes received), padded with blanks, so a shell can read it without starting a process (a
 * reader may see a line being rewritten: read it twice). Drops are re-read every 100 ms.
 * Runs until SIGTERM/SIGINT or SECONDS; prints "ready" once attached, a summary line at the end. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#define PROC_EVENTS_KEY 508
#define EV_PROC_FORK 1000
#define EV_PROC_EXIT 1002
#define TYPE_OFFSET 96 /* event_header.type in bpf/events.h: 3 * 8 + 6 * 8 + 6 * 4 (RawEvent reads it there too) */

#define STATS_SIZE 128

static char *stats_map;
static uint64_t drops;

static volatile sig_atomic_t stop;
static uint64_t records, proc_records, bytes;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static int on_sample(void *ctx, void *data, size_t size)
{
	(void)ctx;
	records++;
	bytes += size;
	if (size >= TYPE_OFFSET + 2) {
		uint16_t type;
		memcpy(&type, (char *)data + TYPE_OFFSET, 2);
		if (type >= EV_PROC_FORK && type <= EV_PROC_EXIT)
			proc_records++;
	}
	return 0;
}

static void publish(void)
{
	char line[STATS_SIZE];
	int n = snprintf(line, sizeof(line), "%llu %llu %llu %llu", (unsigned long long)records,
			 (unsigned long long)drops, (unsigned long long)proc_records, (unsigned long long)bytes);
	memset(line + n, ' ', sizeof(line) - n - 1);
	line[sizeof(line) - 1] = '\n';
	memcpy(stats_map, line, sizeof(line));
}

static double now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec + t.tv_nsec / 1e9;
}

static int map_fd(struct bpf_object *obj, const char *name)
{
	int fd = bpf_object__find_map_fd_by_name(obj, name);
	if (fd < 0) {
		fprintf(stderr, "bare: map %s missing from the object\n", name);
		exit(1);
	}
	return fd;
}

static uint64_t read_drops(int fd, int cpus)
{
	uint64_t values[cpus];
	uint32_t key = 0;
	if (bpf_map_lookup_elem(fd, &key, values) != 0)
		return 0;
	uint64_t sum = 0;
	for (int i = 0; i < cpus; i++)
		sum += values[i];
	return sum;
}

int main(int argc, char **argv)
{
	if (argc != 5) {
		fprintf(stderr, "usage: bare OBJECT SYSCALLS STATS SECONDS\n");
		return 2;
	}
	double limit = atof(argv[4]);
	int sfd = open(argv[3], O_RDWR | O_CREAT | O_TRUNC, 0644);
	if (sfd < 0 || ftruncate(sfd, STATS_SIZE) != 0) {
		perror("bare: stats file");
		return 1;
	}
	stats_map = mmap(NULL, STATS_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, sfd, 0);
	if (stats_map == MAP_FAILED) {
		perror("bare: mmap");
		return 1;
	}

	struct bpf_object *obj = bpf_object__open_file(argv[1], NULL);
	if (!obj) {
		fprintf(stderr, "bare: opening %s: %s\n", argv[1], strerror(errno));
		return 1;
	}
	if (bpf_object__load(obj) != 0) {
		fprintf(stderr, "bare: loading failed: %s\n", strerror(errno));
		return 1;
	}
	/* the same in-kernel filter as the detector: these syscalls, plus fork/exec/exit */
	int interesting = map_fd(obj, "interesting");
	uint8_t on = 1;
	int selected = 0;
	char *list = strdup(argv[2]);
	for (char *tok = strtok(list, ","); tok; tok = strtok(NULL, ",")) {
		uint32_t nr = (uint32_t)atoi(tok);
		if (nr >= 512 || bpf_map_update_elem(interesting, &nr, &on, 0) != 0) {
			fprintf(stderr, "bare: cannot select syscall %s\n", tok);
			return 1;
		}
		selected++;
	}
	uint32_t key = PROC_EVENTS_KEY;
	if (bpf_map_update_elem(interesting, &key, &on, 0) != 0) {
		fprintf(stderr, "bare: cannot enable process events\n");
		return 1;
	}
	uint32_t zero = 0, self = (uint32_t)getpid();
	if (bpf_map_update_elem(map_fd(obj, "settings"), &zero, &self, 0) != 0) {
		fprintf(stderr, "bare: cannot set settings\n");
		return 1;
	}
	struct bpf_program *prog;
	bpf_object__for_each_program(prog, obj)
	{
		if (!bpf_program__attach(prog)) {
			fprintf(stderr, "bare: attaching %s: %s\n", bpf_program__name(prog), strerror(errno));
			return 1;
		}
	}
	struct ring_buffer *rb = ring_buffer__new(map_fd(obj, "events"), on_sample, NULL, NULL);
	if (!rb) {
		fprintf(stderr, "bare: ring_buffer__new: %s\n", strerror(errno));
		return 1;
	}
	int drops_fd = map_fd(obj, "drops");
	int cpus = libbpf_num_possible_cpus();

	signal(SIGTERM, on_signal);
	signal(SIGINT, on_signal);
	publish();
	printf("ready pid=%d syscalls=%d\n", (int)getpid(), selected);
	fflush(stdout);
	double start = now(), next_drops = start;
	while (!stop) {
		int n = ring_buffer__poll(rb, 10);
		if (n == 0)
			ring_buffer__consume(rb);
		double t = now();
		if (t >= next_drops) {
			drops = read_drops(drops_fd, cpus);
			next_drops = t + 0.1;
			if (t - start > limit)
				break;
		}
		publish();
	}
	ring_buffer__consume(rb);
	drops = read_drops(drops_fd, cpus);
	publish();
	printf("records=%llu drops=%llu proc_records=%llu bytes=%llu seconds=%.1f\n", (unsigned long long)records,
	       (unsigned long long)drops, (unsigned long long)proc_records, (unsigned long long)bytes, now() - start);
	ring_buffer__free(rb);
	bpf_object__close(obj);
	return 0;
}
