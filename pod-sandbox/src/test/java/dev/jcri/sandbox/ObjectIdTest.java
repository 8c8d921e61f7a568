package dev.jcri.sandbox;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ObjectIdTest {
    @Test
    void generatedIdsAre64LowercaseHexCharactersAndDistinct() {
        Set<String> ids = new HashSet<>();
        for (int i = 0; i < 1000; i++) {
            String id = ObjectId.generate();
            assertEquals(64, id.length());
            assertTrue(id.matches("[0-9a-f]{64}"), id);
            assertTrue(ObjectId.isValid(id));
            ids.add(id);
        }
        assertEquals(1000, ids.size());
    }

    @Test
    void isValidAcceptsOnlyThatForm() {
        String valid = "0123456789abcdef".repeat(4);
        assertTrue(ObjectId.isValid(valid));
        assertFalse(ObjectId.isValid(null));
        assertFalse(ObjectId.isValid(""));
        assertFalse(ObjectId.isValid(valid.substring(1)));
        assertFalse(ObjectId.isValid(valid + "0"));
        assertFalse(ObjectId.isValid(valid.toUpperCase()));
        assertFalse(ObjectId.isValid("g" + valid.substring(1)));
        assertFalse(ObjectId.isValid("../" + valid.substring(3)));
        assertFalse(ObjectId.isValid(valid.substring(0, 63) + "\n"));
    }
}
