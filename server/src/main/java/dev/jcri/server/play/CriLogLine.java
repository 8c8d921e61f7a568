package dev.jcri.server.play;

/** One line of a CRI container log: {@code <RFC3339Nano> <stdout|stderr> <F|P> <text>}. */
record CriLogLine(String time, String stream, boolean partial, String text) {

    /** A line that does not follow the format is kept whole as text. */
    static CriLogLine parse(String line) {
        String[] parts = line.split(" ", 4);
        if (parts.length < 3 || !(parts[1].equals("stdout") || parts[1].equals("stderr"))) {
            return new CriLogLine("", "stdout", false, line);
        }
        return new CriLogLine(parts[0], parts[1], parts[2].equals("P"), parts.length == 4 ? parts[3] : "");
    }
}
