/* Opens /etc/shadow for reading at a fixed rate: each open is one "Read sensitive file untrusted"
 * alert from the stable rules (this program's name is in no trusted list).
 * usage: shadow-reader RATE SECONDS */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv) {
    if (argc != 3) {
        fprintf(stderr, "usage: %s RATE SECONDS\n", argv[0]);
        return 2;
    }
    long rate = atol(argv[1]), seconds = atol(argv[2]);
    if (rate <= 0 || seconds <= 0 || seconds > 3600) {
        fprintf(stderr, "RATE > 0, 0 < SECONDS <= 3600\n");
        return 2;
    }
    struct timespec next;
    clock_gettime(CLOCK_MONOTONIC, &next);
    long total = rate * seconds, step = 1000000000L / rate, done = 0;
    for (; done < total; done++) {
        int fd = open("/etc/shadow", O_RDONLY);
        if (fd < 0) {
            perror("open /etc/shadow");
            return 1;
        }
        close(fd);
        next.tv_nsec += step;
        while (next.tv_nsec >= 1000000000L) {
            next.tv_nsec -= 1000000000L;
            next.tv_sec++;
        }
        clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &next, NULL);
    }
    printf("opened /etc/shadow %ld times\n", done);
    return 0;
}
