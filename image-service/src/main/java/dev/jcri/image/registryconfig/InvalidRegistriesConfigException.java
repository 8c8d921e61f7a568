package dev.jcri.image.registryconfig;

import java.io.IOException;
import java.nio.file.Path;

/** A registries configuration file that cannot be used; the message names the file and the key. */
public class InvalidRegistriesConfigException extends IOException {
    private final Path file;

    public InvalidRegistriesConfigException(Path file, String problem) {
        super(file + ": " + problem);
        this.file = file;
    }

    public InvalidRegistriesConfigException(Path file, String problem, Throwable cause) {
        super(file + ": " + problem, cause);
        this.file = file;
    }

    public Path file() {
        return file;
    }
}
