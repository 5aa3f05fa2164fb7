package dev.peregrine.detector.syscall;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Flags, modes and enums named as Falco names them: the driver's bits, in the order of libs' flag tables. */
class ArgFormatTest {

    @ParameterizedTest
    @CsvSource(delimiter = ';', textBlock = """
            0 ; 1 ; O_RDONLY
            02000000 ; 4097 ; O_RDONLY|O_CLOEXEC
            01101 ; 262 ; O_TRUNC|O_CREAT|O_WRONLY
            02001101 ; 4358 ; O_TRUNC|O_CREAT|O_WRONLY|O_CLOEXEC
            02 ; 3 ; O_RDWR
            0102 ; 7 ; O_CREAT|O_RDWR
            02002 ; 11 ; O_APPEND|O_RDWR
            0204000 ; 1089 ; O_DIRECTORY|O_NONBLOCK|O_RDONLY
            0100000 ; 2049 ; O_LARGEFILE|O_RDONLY
            020200002 ; 9219 ; O_DIRECTORY|O_RDWR|O_TMPFILE
            04010001 ; 146 ; O_SYNC|O_DSYNC|O_WRONLY
            01000000 ; 1 ; O_RDONLY
            """)
    void openFlags(String kernelOctal, long ppm, String names) {
        long flags = Long.parseLong(kernelOctal, 8);
        assertThat(ArgFormat.openFlagsToPpm(flags)).isEqualTo(ppm);
        assertThat(ArgFormat.openFlags(flags)).isEqualTo(names);
    }

    @ParameterizedTest
    @CsvSource(delimiter = ';', textBlock = """
            1 ; AF_LOCAL
            2 ; AF_INET
            10 ; AF_INET6
            16 ; AF_ROUTE
            17 ; AF_PACKET
            38 ; AF_ALG
            0 ; AF_UNSPEC
            27 ; 27
            """)
    void socketFamiliesAreNamedAfterTheFirstEqualEntryOfLibsTable(long domain, String name) {
        assertThat(ArgFormat.socketFamily(domain)).isEqualTo(name);
    }

    @ParameterizedTest
    @CsvSource(delimiter = ';', textBlock = """
            0 ; 0
            04755 ; S_IXOTH|S_IROTH|S_IXGRP|S_IRGRP|S_IXUSR|S_IWUSR|S_IRUSR|S_ISUID
            02070 ; S_IXGRP|S_IWGRP|S_IRGRP|S_ISGID
            01777 ; S_IXOTH|S_IWOTH|S_IROTH|S_IXGRP|S_IWGRP|S_IRGRP|S_IXUSR|S_IWUSR|S_IRUSR|S_ISVTX
            """)
    void modesAreNamedInTheOrderOfLibsChmodModeTable(String octal, String names) {
        assertThat(ArgFormat.mode(Long.parseLong(octal, 8))).isEqualTo(names);
    }

    @ParameterizedTest
    @CsvSource(delimiter = ';', textBlock = """
            0 ; 0
            0x04000000 ; CLONE_NEWUTS
            0x10020000 ; CLONE_NEWNS|CLONE_NEWUSER
            0x7e020000 ; CLONE_NEWIPC|CLONE_NEWNET|CLONE_NEWNS|CLONE_NEWPID|CLONE_NEWUTS|CLONE_NEWUSER|CLONE_NEWCGROUP
            0x40600 ; CLONE_FILES|CLONE_FS|CLONE_SYSVSEM
            0x80 ; 0
            """)
    void cloneFlagsAreNamedInTheOrderOfLibsCloneFlagsTable(String hex, String names) {
        assertThat(ArgFormat.cloneFlags(Long.decode(hex))).isEqualTo(names);
    }

    @ParameterizedTest
    @CsvSource(delimiter = ';', textBlock = """
            0 ; O_NONE
            02000000 ; O_CLOEXEC
            04000 ; O_NONBLOCK
            02004000 ; O_NONBLOCK|O_CLOEXEC
            """)
    void dup3AndUserfaultfdFlagsNameOnlyNonblockAndCloexec(String octal, String names) {
        assertThat(ArgFormat.fdFlags(Long.parseLong(octal, 8))).isEqualTo(names);
    }

    @Test
    void otherFlagTablesFollowLibs() {
        assertThat(ArgFormat.resolveFlags(0x0c)).isEqualTo("RESOLVE_BENEATH|RESOLVE_NO_SYMLINKS");
        assertThat(ArgFormat.unlinkatFlags(0x200)).isEqualTo("AT_REMOVEDIR");
        assertThat(ArgFormat.linkatFlags(0x1400)).isEqualTo("AT_SYMLINK_FOLLOW|AT_EMPTY_PATH");
        assertThat(ArgFormat.renameat2Flags(2)).isEqualTo("RENAME_EXCHANGE");
        assertThat(ArgFormat.memfdFlags(3)).isEqualTo("MFD_CLOEXEC|MFD_ALLOW_SEALING");
    }
}
