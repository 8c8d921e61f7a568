package dev.jcri.image.registryconfig;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class RegistryPrefixTest {
    @ParameterizedTest
    @CsvSource({
        "example.com/foo, example.com/foo, 15",
        "example.com/foo, example.com/foo/bar:latest, 15",
        "example.com/foo, example.com/foo:tag, 15",
        "example.com/foo, example.com/foo@sha256:x, 15",
        "example.com/foo, example.com/foobar:latest, -1",
        "example.com/foo, example.co/foo:latest, -1",
        "example.com, example.com/foo:latest, 11",
        "example.com, example.com:5000/foo:latest, -1",
        "example.com:5000, example.com:5000/foo:latest, 16",
        "example.com/foo:tag, example.com/foo:tag, 19",
        "example.com/foo:tag, example.com/foo:tag2, -1",
        "*.example.com, a.example.com/foo:latest, 13",
        "*.example.com, a.b.example.com/foo:latest, 15",
        "*.example.com, a.example.com:5000/foo:latest, 18",
        "*.example.com, example.com/foo:latest, -1",
        "*.example.com, aexample.com/foo:latest, -1",
        "*.example.com, quay.io/a.example.com:latest, -1",
        "*.example.com, a.example.community/foo:latest, -1",
    })
    void matchedLength(String prefix, String reference, int expected) {
        assertEquals(expected, new RegistryPrefix(prefix).matchedLength(reference));
    }
}
