package dev.jcri.server.rpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** An item is made once per record object, and a replaced record gets a new item. */
class ListItemsTest {
    record Rec(String id, int state) {}

    @Test
    void reusesItemsOfTheSameRecordObjectsOnly() {
        List<Rec> converted = new ArrayList<>();
        ListItems<Rec, String> items = new ListItems<>(r -> {
            converted.add(r);
            return r.id() + ":" + r.state();
        });
        Rec a = new Rec("a", 1);
        Rec b = new Rec("b", 1);
        List<String> first = items.of(List.of(a, b));
        assertEquals(List.of("a:1", "b:1"), first);

        Rec b2 = new Rec("b", 2);
        List<String> second = items.of(List.of(a, b2));
        assertEquals(List.of("a:1", "b:2"), second);
        assertSame(first.get(0), second.get(0));
        assertEquals(List.of(a, b, b2), converted);

        // An equal record that is another object is converted again: identity, not equality, says unchanged.
        assertEquals(List.of("a:1"), items.of(List.of(new Rec("a", 1))));
        assertEquals(4, converted.size());
        assertEquals(List.of(), items.of(List.of()));
    }
}
