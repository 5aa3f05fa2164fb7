package dev.peregrine.detector.container;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Image references split into repository, tag and digest, as Falco's container.image.* fields show them. */
class ImageNamesTest {
    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', emptyValue = "", textBlock = """
            nginx                                            | nginx                              | ''          | ''
            nginx:1.25                                       | nginx                              | 1.25        | ''
            library/nginx:latest                             | library/nginx                      | latest      | ''
            docker.io/library/nginx:1.25-alpine              | docker.io/library/nginx            | 1.25-alpine | ''
            localhost:5000/peregrine/busybox:1.0             | localhost:5000/peregrine/busybox   | 1.0         | ''
            localhost:5000/peregrine/busybox                 | localhost:5000/peregrine/busybox   | ''          | ''
            registry.k8s.io/pause:3.9                        | registry.k8s.io/pause              | 3.9         | ''
            quay.io/prometheus/node-exporter@sha256:4cb2b9019f1c6b5a8d6c1f6e5e2b8a3f8f0d6f2e9b3c1a7d5e4f3a2b1c0d9e8f | quay.io/prometheus/node-exporter | '' | sha256:4cb2b9019f1c6b5a8d6c1f6e5e2b8a3f8f0d6f2e9b3c1a7d5e4f3a2b1c0d9e8f
            gcr.io/proj/app:v2@sha256:4cb2b9019f1c6b5a8d6c1f6e5e2b8a3f8f0d6f2e9b3c1a7d5e4f3a2b1c0d9e8f | gcr.io/proj/app | v2 | sha256:4cb2b9019f1c6b5a8d6c1f6e5e2b8a3f8f0d6f2e9b3c1a7d5e4f3a2b1c0d9e8f
            my-registry.example.com:8443/team/sub/app:2026.11 | my-registry.example.com:8443/team/sub/app | 2026.11 | ''
            [::1]:5000/app:dev                               | [::1]:5000/app                     | dev         | ''
            """)
    void split(String image, String repository, String tag, String digest) {
        assertThat(ImageNames.split(image)).isEqualTo(new ImageNames.Parts(repository, tag, digest));
    }
}
