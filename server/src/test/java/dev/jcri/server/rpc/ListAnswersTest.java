package dev.jcri.server.rpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** An answer is reused only for an equal filter selecting the very same record objects in the same order. */
class ListAnswersTest {
    record Rec(String id, int state) {}

    private final List<List<Rec>> built = new ArrayList<>();
    private final ListAnswers<String, Rec, List<String>> answers = new ListAnswers<>("", records -> {
        built.add(records);
        return records.stream().map(r -> r.id() + ":" + r.state()).toList();
    });

    @Test
    void sameObjectsUnderAnEqualFilterGiveTheSameAnswer() {
        Rec a = new Rec("a", 1);
        Rec b = new Rec("b", 1);
        List<String> first = answers.of("", List.of(a, b));
        assertSame(first, answers.of(new String(""), new ArrayList<>(List.of(a, b))));
        assertEquals(1, built.size());

        // Another filter has its own answer, and the first is still kept.
        List<String> filtered = answers.of("state=1", List.of(a));
        assertEquals(List.of("a:1"), filtered);
        assertSame(first, answers.of("", List.of(a, b)));
        assertSame(filtered, answers.of("state=1", List.of(a)));
        assertEquals(2, built.size());
    }

    @Test
    void anyChangeOfTheSelectedObjectsBuildsAnew() {
        Rec a = new Rec("a", 1);
        Rec b = new Rec("b", 1);
        List<String> first = answers.of("", List.of(a, b));
        // A replaced record (equal or not), one more, one fewer, another order, none at all.
        Rec b2 = new Rec("b", 1);
        List<String> replaced = answers.of("", List.of(a, b2));
        assertNotSame(first, replaced);
        assertEquals(List.of("a:1", "b:1"), replaced);
        assertEquals(List.of("a:1", "b:1", "c:2"), answers.of("", List.of(a, b2, new Rec("c", 2))));
        assertEquals(List.of("a:1"), answers.of("", List.of(a)));
        assertEquals(List.of("b:1", "a:1"), answers.of("", List.of(b2, a)));
        assertEquals(List.of(), answers.of("", List.of()));
        List<String> empty = answers.of("", List.of());
        assertSame(empty, answers.of("", new ArrayList<>()));
        assertEquals(6, built.size());
    }

    @Test
    void theUnfilteredAnswerStaysWhateverOtherFiltersCome() {
        Rec a = new Rec("a", 1);
        List<String> everything = answers.of("", List.of(a));
        for (int i = 0; i < 3 * ListAnswers.FILTERS; i++) {
            answers.of("pod=" + i, List.of(a));
        }
        assertSame(everything, answers.of("", List.of(a)));
    }

    @Test
    void theLeastRecentlyUsedFilterGoesFirst() {
        Rec a = new Rec("a", 1);
        List<String> kept = answers.of("f0", List.of(a));
        for (int i = 1; i < ListAnswers.FILTERS; i++) {
            answers.of("f" + i, List.of(a));
        }
        assertSame(kept, answers.of("f0", List.of(a)));
        answers.of("one more", List.of(a));
        // f0 was used last, so f1 went.
        assertSame(kept, answers.of("f0", List.of(a)));
        int before = built.size();
        answers.of("f1", List.of(a));
        assertEquals(before + 1, built.size());
    }
}
