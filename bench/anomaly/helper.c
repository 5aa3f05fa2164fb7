/* The bench image's setuid-root helper (privilege change attack) and dropped binary. */
#include <fcntl.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

int main(int argc, char **argv) {
    if (argc > 1) { /* helper PROGRAM ARGS...: become root, run it */
        if (setgid(0) != 0 || setuid(0) != 0) return 1;
        execv(argv[1], argv + 1);
        return 127;
    }
    /* dropped binary: look at the system, leave a file */
    struct utsname u;
    uname(&u);
    int fd = open("/tmp/.x.out", O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (fd >= 0) {
        write(fd, u.release, strlen(u.release));
        close(fd);
    }
    return 0;
}
