package dev.jcri.sandbox.container;

import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Signal names in the one form jcri records and reports ({@code SIGTERM}, {@code SIGRTMIN+3}), from the forms an
 * image's {@code StopSignal} may take: {@code SIGTERM}, {@code TERM}, {@code term}, {@code 15}, {@code RTMIN+3}.
 */
public final class SignalName {
    /** Linux's numbers on x86-64 and arm64; SIGRTMIN is 34 as programs see it (glibc keeps 32 and 33). */
    private static final Map<String, Integer> NUMBERS = Map.ofEntries(
            Map.entry("SIGHUP", 1),
            Map.entry("SIGINT", 2),
            Map.entry("SIGQUIT", 3),
            Map.entry("SIGILL", 4),
            Map.entry("SIGTRAP", 5),
            Map.entry("SIGABRT", 6),
            Map.entry("SIGIOT", 6),
            Map.entry("SIGBUS", 7),
            Map.entry("SIGFPE", 8),
            Map.entry("SIGKILL", 9),
            Map.entry("SIGUSR1", 10),
            Map.entry("SIGSEGV", 11),
            Map.entry("SIGUSR2", 12),
            Map.entry("SIGPIPE", 13),
            Map.entry("SIGALRM", 14),
            Map.entry("SIGTERM", 15),
            Map.entry("SIGSTKFLT", 16),
            Map.entry("SIGCHLD", 17),
            Map.entry("SIGCLD", 17),
            Map.entry("SIGCONT", 18),
            Map.entry("SIGSTOP", 19),
            Map.entry("SIGTSTP", 20),
            Map.entry("SIGTTIN", 21),
            Map.entry("SIGTTOU", 22),
            Map.entry("SIGURG", 23),
            Map.entry("SIGXCPU", 24),
            Map.entry("SIGXFSZ", 25),
            Map.entry("SIGVTALRM", 26),
            Map.entry("SIGPROF", 27),
            Map.entry("SIGWINCH", 28),
            Map.entry("SIGIO", 29),
            Map.entry("SIGPOLL", 29),
            Map.entry("SIGPWR", 30),
            Map.entry("SIGSYS", 31));

    private static final int RTMIN = 34;
    private static final int RTMAX = 64;

    private SignalName() {}

    /** The canonical name, or empty when {@code value} names no signal. */
    public static Optional<String> canonical(String value) {
        String name = value.strip().toUpperCase(Locale.ROOT);
        if (name.isEmpty()) {
            return Optional.empty();
        }
        if (name.chars().allMatch(Character::isDigit)) {
            return name.length() > 2 ? Optional.empty() : ofNumber(Integer.parseInt(name));
        }
        if (!name.startsWith("SIG")) {
            name = "SIG" + name;
        }
        return number(name).flatMap(SignalName::ofNumber);
    }

    /** The signal's number, for a canonical or plain name; empty for an unknown one. */
    public static Optional<Integer> number(String name) {
        Integer plain = NUMBERS.get(name);
        if (plain != null) {
            return Optional.of(plain);
        }
        try {
            if (name.equals("SIGRTMIN")) {
                return Optional.of(RTMIN);
            }
            if (name.equals("SIGRTMAX")) {
                return Optional.of(RTMAX);
            }
            if (name.startsWith("SIGRTMIN+")) {
                int n = RTMIN + Integer.parseInt(name.substring("SIGRTMIN+".length()));
                return n <= RTMAX ? Optional.of(n) : Optional.empty();
            }
            if (name.startsWith("SIGRTMAX-")) {
                int n = RTMAX - Integer.parseInt(name.substring("SIGRTMAX-".length()));
                return n >= RTMIN ? Optional.of(n) : Optional.empty();
            }
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
        return Optional.empty();
    }

    /**
     * The name for a number: the first of the usual names (SIGABRT over SIGIOT, SIGCHLD over SIGCLD, SIGIO over
     * SIGPOLL), real-time signals counted from the nearer end as the CRI's enum does (SIGRTMIN+15, SIGRTMAX-14).
     */
    static Optional<String> ofNumber(int number) {
        for (String preferred : new String[] {"SIGABRT", "SIGCHLD", "SIGIO"}) {
            if (NUMBERS.get(preferred) == number) {
                return Optional.of(preferred);
            }
        }
        for (Map.Entry<String, Integer> entry : NUMBERS.entrySet()) {
            if (entry.getValue() == number) {
                return Optional.of(entry.getKey());
            }
        }
        if (number == RTMIN) {
            return Optional.of("SIGRTMIN");
        }
        if (number == RTMAX) {
            return Optional.of("SIGRTMAX");
        }
        if (number > RTMIN && number <= RTMIN + 15) {
            return Optional.of("SIGRTMIN+" + (number - RTMIN));
        }
        if (number > RTMIN + 15 && number < RTMAX) {
            return Optional.of("SIGRTMAX-" + (RTMAX - number));
        }
        return Optional.empty();
    }
}
