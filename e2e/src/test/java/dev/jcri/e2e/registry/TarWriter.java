package dev.jcri.e2e.registry;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A small POSIX tar (pax/ustar) writer, enough for image layers: regular files, directories, symlinks, hardlinks,
 * devices, fifos. Values that do not fit ustar fields (paths over 100 bytes, non-ASCII names, ids over 2097151,
 * sub-second mtimes, xattrs) go into a PAX extended header ({@code typeflag 'x'}) before the entry, as Go's
 * archive/tar and GNU tar read them. The archive ends with two zero blocks.
 */
public final class TarWriter implements AutoCloseable {
    private static final int BLOCK = 512;
    private static final long MAX_OCTAL_7 = 07777777L;
    private static final long MAX_OCTAL_11 = 077777777777L;

    private final OutputStream out;
    private boolean finished;

    public TarWriter(OutputStream out) {
        this.out = out;
    }

    /** The whole archive for {@code entries}, in order. */
    public static byte[] archive(List<TarEntry> entries) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (TarWriter tar = new TarWriter(bytes)) {
            for (TarEntry e : entries) {
                tar.write(e);
            }
        } catch (IOException e) {
            throw new IllegalStateException(e); // a ByteArrayOutputStream does not fail
        }
        return bytes.toByteArray();
    }

    public void write(TarEntry e) throws IOException {
        if (finished) {
            throw new IllegalStateException("archive already finished");
        }
        String name = normalize(e.path());
        if (e.type() == TarEntry.Type.DIRECTORY && !name.endsWith("/")) {
            name = name + "/";
        }
        byte[] nameBytes = name.getBytes(StandardCharsets.UTF_8);
        byte[] linkBytes = e.linkTarget().getBytes(StandardCharsets.UTF_8);
        if (e.type() == TarEntry.Type.HARDLINK) {
            linkBytes = normalize(e.linkTarget()).getBytes(StandardCharsets.UTF_8);
        }

        List<byte[]> pax = new ArrayList<>();
        if (nameBytes.length > 100 || !isAscii(name)) {
            pax.add(paxRecord("path", nameBytes));
        }
        if (linkBytes.length > 100 || !isAscii(e.linkTarget())) {
            pax.add(paxRecord("linkpath", linkBytes));
        }
        if (e.uid() > MAX_OCTAL_7 || e.uid() < 0) {
            pax.add(paxRecord("uid", Long.toString(e.uid())));
        }
        if (e.gid() > MAX_OCTAL_7 || e.gid() < 0) {
            pax.add(paxRecord("gid", Long.toString(e.gid())));
        }
        long size = e.content().length;
        if (size > MAX_OCTAL_11) {
            pax.add(paxRecord("size", Long.toString(size)));
        }
        long seconds = e.mtime().getEpochSecond();
        int nanos = e.mtime().getNano();
        if (nanos != 0 || seconds < 0 || seconds > MAX_OCTAL_11) {
            String frac = nanos == 0 ? "" : "." + String.format("%09d", nanos).replaceAll("0+$", "");
            pax.add(paxRecord("mtime", seconds + frac));
        }
        for (Map.Entry<String, byte[]> x : e.xattrs().entrySet()) {
            pax.add(paxRecord("SCHILY.xattr." + x.getKey(), x.getValue()));
        }
        if (!pax.isEmpty()) {
            ByteArrayOutputStream records = new ByteArrayOutputStream();
            for (byte[] r : pax) {
                records.write(r);
            }
            byte[] body = records.toByteArray();
            String paxName = "PaxHeaders/" + truncate(name, 80);
            out.write(header(
                    paxName.getBytes(StandardCharsets.UTF_8),
                    0644,
                    0,
                    0,
                    body.length,
                    0,
                    'x',
                    new byte[0],
                    "",
                    "",
                    0,
                    0));
            writePadded(body);
        }
        out.write(header(
                nameBytes,
                e.mode(),
                e.uid(),
                e.gid(),
                size,
                seconds,
                e.type().flag,
                linkBytes,
                e.uname(),
                e.gname(),
                e.devMajor(),
                e.devMinor()));
        writePadded(e.content());
    }

    /** Writes the two zero blocks that end the archive. */
    public void finish() throws IOException {
        if (!finished) {
            out.write(new byte[2 * BLOCK]);
            finished = true;
        }
        out.flush();
    }

    @Override
    public void close() throws IOException {
        finish();
        out.close();
    }

    private void writePadded(byte[] data) throws IOException {
        out.write(data);
        int rem = data.length % BLOCK;
        if (rem != 0) {
            out.write(new byte[BLOCK - rem]);
        }
    }

    private static byte[] header(
            byte[] name,
            int mode,
            long uid,
            long gid,
            long size,
            long mtime,
            char type,
            byte[] link,
            String uname,
            String gname,
            int devMajor,
            int devMinor) {
        byte[] h = new byte[BLOCK];
        put(h, 0, 100, name); // name
        octal(h, 100, 8, mode & 07777); // mode
        octal(h, 108, 8, uid >= 0 && uid <= MAX_OCTAL_7 ? uid : 0);
        octal(h, 116, 8, gid >= 0 && gid <= MAX_OCTAL_7 ? gid : 0);
        octal(h, 124, 12, size <= MAX_OCTAL_11 ? size : 0);
        octal(h, 136, 12, mtime >= 0 && mtime <= MAX_OCTAL_11 ? mtime : 0);
        h[156] = (byte) type; // typeflag
        put(h, 157, 100, link); // linkname
        put(h, 257, 6, "ustar\0".getBytes(StandardCharsets.US_ASCII));
        put(h, 263, 2, "00".getBytes(StandardCharsets.US_ASCII));
        put(h, 265, 32, uname.getBytes(StandardCharsets.UTF_8));
        put(h, 297, 32, gname.getBytes(StandardCharsets.UTF_8));
        if (type == '3' || type == '4') {
            octal(h, 329, 8, devMajor);
            octal(h, 337, 8, devMinor);
        }
        // checksum: the unsigned sum of the header with the checksum field read as eight spaces
        for (int i = 148; i < 156; i++) {
            h[i] = ' ';
        }
        long sum = 0;
        for (byte b : h) {
            sum += b & 0xff;
        }
        byte[] chk = String.format("%06o", sum).getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(chk, 0, h, 148, 6);
        h[154] = 0;
        h[155] = ' ';
        return h;
    }

    /** Fills a field of {@code len} bytes with {@code len-1} zero-padded octal digits and a NUL. */
    private static void octal(byte[] h, int off, int len, long value) {
        String s = Long.toOctalString(value);
        if (s.length() > len - 1) {
            throw new IllegalArgumentException("value " + value + " does not fit a " + len + " byte tar field");
        }
        s = "0".repeat(len - 1 - s.length()) + s;
        put(h, off, len, s.getBytes(StandardCharsets.US_ASCII));
    }

    /** Copies {@code value} into a field, truncating it (a PAX record carries the full value). */
    private static void put(byte[] h, int off, int len, byte[] value) {
        System.arraycopy(value, 0, h, off, Math.min(len, value.length));
    }

    private static byte[] paxRecord(String key, String value) {
        return paxRecord(key, value.getBytes(StandardCharsets.UTF_8));
    }

    /** {@code "<len> <key>=<value>\n"} where len counts the whole record, its own digits included. */
    private static byte[] paxRecord(String key, byte[] value) {
        byte[] k = key.getBytes(StandardCharsets.UTF_8);
        int rest = 1 + k.length + 1 + value.length + 1; // space, key, '=', value, newline
        int len = rest + 1;
        while (Integer.toString(len).length() + rest != len) {
            len = Integer.toString(len).length() + rest;
        }
        ByteArrayOutputStream r = new ByteArrayOutputStream(len);
        r.writeBytes((len + " ").getBytes(StandardCharsets.US_ASCII));
        r.writeBytes(k);
        r.write('=');
        r.writeBytes(value);
        r.write('\n');
        return r.toByteArray();
    }

    private static String normalize(String path) {
        String p = path;
        while (p.startsWith("/")) {
            p = p.substring(1);
        }
        if (p.isEmpty()) {
            p = "./";
        }
        return p;
    }

    private static boolean isAscii(String s) {
        for (int i = 0; i < s.length(); i++) {
            if (s.charAt(i) >= 0x80 || s.charAt(i) == 0) {
                return false;
            }
        }
        return true;
    }

    private static String truncate(String s, int max) {
        String ascii = s.replaceAll("[^\\x20-\\x7e]", "_");
        return ascii.length() <= max ? ascii : ascii.substring(0, max);
    }
}
