package dev.peregrine.sidekick.output;

import java.nio.file.Files;
import java.nio.file.Path;
import javax.net.ssl.SSLContext;
import org.springframework.boot.ssl.SslBundle;
import org.springframework.boot.ssl.pem.PemSslStoreBundle;
import org.springframework.boot.ssl.pem.PemSslStoreDetails;

/**
 * TLS settings of an output that talks to a server: the CA to trust (default: the JVM's) and,
 * for mutual TLS, the client certificate and key. All PEM files.
 */
public record TlsConfig(String caFile, String certFile, String keyFile) {

    public static final TlsConfig NONE = new TlsConfig(null, null, null);

    public boolean customized() {
        return caFile != null || certFile != null;
    }

    /** Why these settings cannot work, or null. Checked at startup so errors name the key. */
    public String problem() {
        if ((certFile == null) != (keyFile == null)) {
            return "cert-file and key-file go together (mutual TLS needs both)";
        }
        for (String f : new String[] {caFile, certFile, keyFile}) {
            if (f != null && !Files.isReadable(Path.of(f))) {
                return "cannot read " + f;
            }
        }
        if (customized()) {
            try {
                sslContext();
            } catch (RuntimeException e) {
                return "cannot use the PEM files: " + e.getMessage();
            }
        }
        return null;
    }

    /** An SSLContext for these settings; Spring Boot's PEM support does the parsing. */
    public SSLContext sslContext() {
        PemSslStoreDetails keys = certFile == null
                ? null
                : PemSslStoreDetails.forCertificate("file:" + certFile).withPrivateKey("file:" + keyFile);
        PemSslStoreDetails trust = caFile == null ? null : PemSslStoreDetails.forCertificate("file:" + caFile);
        return SslBundle.of(new PemSslStoreBundle(keys, trust)).createSslContext();
    }
}
