package dev.jcri.image.unpack;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class EntryPathTest {
    @Test
    void reducesLexically() throws Exception {
        assertEquals(List.of("a", "b"), EntryPath.of("./a//b/").components());
        assertEquals(List.of("etc", "passwd"), EntryPath.of("/etc/passwd").components());
        assertEquals(List.of("etc", "passwd"), EntryPath.of("///etc/./passwd").components());
        assertEquals(List.of("b"), EntryPath.of("a/../b").components());
        assertEquals("usr/bin/env", EntryPath.of("./usr/bin/env").relative());
    }

    @Test
    void rootSpellings() throws Exception {
        for (String name : List.of("", ".", "./", "/", "a/..")) {
            assertTrue(EntryPath.of(name).isRoot(), name);
        }
    }

    @Test
    void climbingOutIsUnsafe() {
        for (String name : List.of("..", "../x", "a/../../x", "/../x", "./..")) {
            UnsafeLayerException e = assertThrows(UnsafeLayerException.class, () -> EntryPath.of(name), name);
            assertEquals(name, e.entry());
        }
    }

    @Test
    void parentAndFileName() throws Exception {
        EntryPath path = EntryPath.of("a/b/c");
        assertEquals("c", path.fileName());
        assertEquals(List.of("a", "b"), path.parentComponents());
    }
}
