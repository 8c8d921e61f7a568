package dev.jcri.sandbox.sweep;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class ConmonProcessesTest {
    private static final String ID = "ab".repeat(32);
    private static final Path BUNDLES = Path.of("/run/jcri/containers");
    private static final Path EXITS = Path.of("/run/jcri/exits");

    private static List<String> conmon(String binary, String bundle, String id, String exitDir) {
        return List.of(
                binary,
                "--api-version",
                "1",
                "-c",
                id,
                "-u",
                id,
                "-n",
                "k8s_x",
                "-r",
                "/usr/bin/crun",
                "-b",
                bundle,
                "--exit-dir",
                exitDir,
                "-l",
                "k8s-file:/var/log/x.log");
    }

    @Test
    void aConmonOfTheseDirsIsMatchedWithItsContainer() {
        assertEquals(
                Optional.of(ID),
                ConmonProcesses.match(
                        conmon("/usr/bin/conmon", BUNDLES + "/" + ID, ID, EXITS.toString()), BUNDLES, EXITS));
    }

    @Test
    void conmonsOfOtherDirsOrOtherProgramsAreNot() {
        assertTrue(
                ConmonProcesses.match(
                                conmon("/usr/bin/conmon", "/run/crio/containers/" + ID, ID, EXITS.toString()),
                                BUNDLES,
                                EXITS)
                        .isEmpty(),
                "another runtime's bundle dir");
        assertTrue(
                ConmonProcesses.match(
                                conmon("/usr/bin/conmon", BUNDLES + "/" + ID, ID, "/run/other/exits"), BUNDLES, EXITS)
                        .isEmpty(),
                "another exit dir");
        assertTrue(
                ConmonProcesses.match(
                                conmon("/usr/bin/conmon", BUNDLES + "/" + ID + "/../x", ID, EXITS.toString()),
                                BUNDLES,
                                EXITS)
                        .isEmpty(),
                "a bundle that is not the container's");
        assertTrue(
                ConmonProcesses.match(conmon("/usr/bin/vim", BUNDLES + "/" + ID, ID, EXITS.toString()), BUNDLES, EXITS)
                        .isEmpty(),
                "not conmon");
        assertTrue(
                ConmonProcesses.match(
                                conmon("/usr/bin/conmon", BUNDLES + "/short", "short", EXITS.toString()),
                                BUNDLES,
                                EXITS)
                        .isEmpty(),
                "not an ID");
        assertTrue(ConmonProcesses.match(List.of(), BUNDLES, EXITS).isEmpty());
        // Seen on a node: a process whose argv[0] is "/" (no file name) stopped the start-up sweep with an NPE.
        assertTrue(ConmonProcesses.match(List.of("/"), BUNDLES, EXITS).isEmpty());
        assertTrue(ConmonProcesses.match(List.of(""), BUNDLES, EXITS).isEmpty());
        assertTrue(ConmonProcesses.match(List.of("/", "-c", ID), BUNDLES, EXITS).isEmpty());
    }

    @Test
    void argvSplitsTheProcCmdline() {
        assertEquals(
                List.of("conmon", "-c", "x"), ConmonProcesses.argv("conmon\0-c\0x\0".getBytes(StandardCharsets.UTF_8)));
    }
}
