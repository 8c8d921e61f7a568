package dev.jcri.sandbox.pod;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ResolvConfTest {
    private static String refusal(List<String> servers, List<String> searches, List<String> options) {
        return assertThrows(IllegalArgumentException.class, () -> ResolvConf.render(servers, searches, options))
                .getMessage();
    }

    @Test
    void clusterFirstPod() {
        assertEquals(
                """
                nameserver 10.96.0.10
                search default.svc.cluster.local svc.cluster.local cluster.local
                options ndots:5
                """,
                ResolvConf.render(
                        List.of("10.96.0.10"),
                        List.of("default.svc.cluster.local", "svc.cluster.local", "cluster.local"),
                        List.of("ndots:5")));
    }

    @Test
    void eachPartIsWrittenOnlyWhenGiven() {
        assertEquals(
                "nameserver 1.1.1.1\nnameserver fd00::10\n",
                ResolvConf.render(List.of("1.1.1.1", "fd00::10"), List.of(), List.of()));
        assertEquals("search example.com\n", ResolvConf.render(List.of(), List.of("example.com"), List.of()));
        assertEquals(
                "options edns0 timeout:2 attempts:3 single-request-reopen\n",
                ResolvConf.render(
                        List.of(), List.of(), List.of("edns0", "timeout:2", "attempts:3", "single-request-reopen")));
        assertEquals("", ResolvConf.render(List.of(), List.of(), List.of()));
    }

    @Test
    void moreThanThreeServersAreKeptAsGiven() {
        assertEquals(
                4,
                ResolvConf.render(List.of("1.1.1.1", "1.0.0.1", "8.8.8.8", "8.8.4.4"), List.of(), List.of())
                        .lines()
                        .count());
    }

    @Test
    void serversMustBeIpLiteralsNotNames() {
        assertEquals(
                "dns_config.servers[1]: \"dns.google\" is not an IPv4 or IPv6 address",
                refusal(List.of("8.8.8.8", "dns.google"), List.of(), List.of()));
        assertEquals(
                "dns_config.servers[0]: \"localhost\" is not an IPv4 or IPv6 address",
                refusal(List.of("localhost"), List.of(), List.of()));
        assertEquals(
                "dns_config.servers[0]: \"10.0.0.1\\nnameserver 6.6.6.6\" is not an IPv4 or IPv6 address",
                refusal(List.of("10.0.0.1\nnameserver 6.6.6.6"), List.of(), List.of()));
        assertEquals(
                "dns_config.servers[0]: \"\" is not an IPv4 or IPv6 address",
                refusal(List.of(""), List.of(), List.of()));
        assertEquals(
                "dns_config.servers[0]: \"127.1\" is not an IPv4 or IPv6 address",
                refusal(List.of("127.1"), List.of(), List.of()));
    }

    @Test
    void searchDomainsMustBeDnsNames() {
        assertEquals(
                "dns_config.searches[1]: \"a b\" is not a DNS name: labels may hold only letters, digits, '-'"
                        + " and '_'",
                refusal(List.of(), List.of("ok.example", "a b"), List.of()));
        assertEquals(
                "dns_config.searches[0]: \"a..b\" is not a DNS name: each label must be 1-63 characters",
                refusal(List.of(), List.of("a..b"), List.of()));
        assertEquals("dns_config.searches[0]: \"\" is empty", refusal(List.of(), List.of(""), List.of()));
        assertEquals(
                "dns_config.searches[0]: \"x\\noptions debug\" is not a DNS name: labels may hold only"
                        + " letters, digits, '-' and '_'",
                refusal(List.of(), List.of("x\noptions debug"), List.of()));
        String label64 = "a".repeat(64);
        assertEquals(
                "dns_config.searches[0]: \"" + label64 + "\" is not a DNS name: each label must be 1-63"
                        + " characters",
                refusal(List.of(), List.of(label64), List.of()));
        String tooLong = String.join(".", Collections.nCopies(64, "abc"));
        assertEquals(255, tooLong.length());
        assertEquals(
                "dns_config.searches[0]: " + QuotedText.of(tooLong) + " is longer than 253 characters",
                refusal(List.of(), List.of(tooLong), List.of()));
        assertEquals(
                "dns_config.searches[0]: \".\" is not a DNS name: each label must be 1-63 characters",
                refusal(List.of(), List.of("."), List.of()));
    }

    @Test
    void searchDomainsMayEndInADotAndUseUppercaseOrUnderscores() {
        assertEquals(
                "search cluster.local. Corp.Example _msdcs.example\n",
                ResolvConf.render(List.of(), List.of("cluster.local.", "Corp.Example", "_msdcs.example"), List.of()));
        String longest = String.join(".", Collections.nCopies(63, "abc")) + ".a";
        assertEquals(253, longest.length());
        assertEquals("search " + longest + "\n", ResolvConf.render(List.of(), List.of(longest), List.of()));
    }

    @Test
    void atMost32SearchDomains() {
        List<String> domains = new ArrayList<>();
        for (int i = 0; i < 32; i++) {
            domains.add("d" + i + ".example");
        }
        assertEquals(1, ResolvConf.render(List.of(), domains, List.of()).lines().count());
        domains.add("one-more.example");
        assertEquals(
                "dns_config.searches: 33 search domains; at most 32 are allowed",
                refusal(List.of(), domains, List.of()));
    }

    @Test
    void theSearchListIsAtMost2048Characters() {
        // 8 domains of 255 characters would break the per-domain limit; 9 of 227 + 8 spaces = 2051.
        String label = "a".repeat(63);
        String domain = label + "." + label + "." + label + "." + "b".repeat(35);
        assertEquals(227, domain.length());
        List<String> nine = Collections.nCopies(9, domain);
        assertEquals(
                "dns_config.searches: the search list is 2051 characters long; at most 2048 are allowed",
                refusal(List.of(), nine, List.of()));
        List<String> exactly = new ArrayList<>(Collections.nCopies(8, domain));
        exactly.add(domain.substring(0, 224));
        assertEquals(2048, String.join(" ", exactly).length());
        assertEquals("search " + String.join(" ", exactly) + "\n", ResolvConf.render(List.of(), exactly, List.of()));
    }

    @Test
    void optionsAreSingleTokens() {
        assertEquals(
                "dns_config.options[1]: \"ndots: 5\" must be a single token of printable characters without"
                        + " whitespace",
                refusal(List.of(), List.of(), List.of("edns0", "ndots: 5")));
        assertEquals(
                "dns_config.options[0]: \"ndots:5\\nnameserver 6.6.6.6\" must be a single token of printable"
                        + " characters without whitespace",
                refusal(List.of(), List.of(), List.of("ndots:5\nnameserver 6.6.6.6")));
        assertEquals("dns_config.options[0]: is empty", refusal(List.of(), List.of(), List.of("")));
        assertEquals(
                "dns_config.options[0]: \"t\\tab\" must be a single token of printable characters without"
                        + " whitespace",
                refusal(List.of(), List.of(), List.of("t\tab")));
        assertEquals(
                "dns_config.options[0]: \"\u00e9\" must be a single token of printable characters without"
                        + " whitespace",
                refusal(List.of(), List.of(), List.of("\u00e9")));
    }

    @Test
    void theHostsFileIsCopiedAsItIs(@TempDir Path dir) throws IOException {
        Path host = dir.resolve("resolv.conf");
        String content = "# generated by NetworkManager\nsearch lan\nnameserver 192.168.1.1\noptions rotate\n";
        Files.writeString(host, content);
        assertEquals(content, ResolvConf.fromHost(host));
    }

    @Test
    void aMissingHostFileGivesAnEmptyOne(@TempDir Path dir) throws IOException {
        assertEquals("", ResolvConf.fromHost(dir.resolve("missing")));
    }

    @Test
    void aHostFileThatIsNotUtf8StillCopies(@TempDir Path dir) throws IOException {
        Path host = dir.resolve("resolv.conf");
        Files.write(host, new byte[] {
            '#',
            ' ',
            (byte) 0xe9,
            '\n',
            'n',
            'a',
            'm',
            'e',
            's',
            'e',
            'r',
            'v',
            'e',
            'r',
            ' ',
            '1',
            '.',
            '1',
            '.',
            '1',
            '.',
            '1',
            '\n'
        });
        assertEquals("# \ufffd\nnameserver 1.1.1.1\n", ResolvConf.fromHost(host));
    }

    @Test
    void aHostPathThatIsADirectoryIsAnError(@TempDir Path dir) {
        assertThrows(IOException.class, () -> ResolvConf.fromHost(dir));
    }
}
