package dev.peregrine.detector.state;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Open flags named as Falco names them: the driver's bits, in the order of libs' flag table. */
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
}
