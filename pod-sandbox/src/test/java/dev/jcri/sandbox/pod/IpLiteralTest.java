package dev.jcri.sandbox.pod;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class IpLiteralTest {
    @ParameterizedTest
    @ValueSource(strings = {"0.0.0.0", "10.96.0.10", "255.255.255.255", "192.168.1.1", "8.8.8.8", "1.2.3.0"})
    void ipv4(String text) {
        assertTrue(IpLiteral.isIpv4(text));
        assertTrue(IpLiteral.isValid(text));
        assertFalse(IpLiteral.isIpv6(text));
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "",
                "1.2.3",
                "1.2.3.4.5",
                "256.1.1.1",
                "1.2.3.-1",
                "01.2.3.4",
                "1.2.3.04",
                "0x7f.0.0.1",
                "127.1",
                "1..2.3",
                "1.2.3.4.",
                ".1.2.3.4",
                " 1.2.3.4",
                "1.2.3.4 ",
                "1.2.3.4\n",
                "localhost",
                "dns.google",
                "１.2.3.4",
                "1.2.3.4:53",
                "1000.2.3.4",
                "+1.2.3.4"
            })
    void notIpv4(String text) {
        assertFalse(IpLiteral.isIpv4(text));
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "::",
                "::1",
                "1::",
                "fe80::1",
                "2001:db8::8a2e:370:7334",
                "2001:0db8:0000:0000:0000:ff00:0042:8329",
                "1:2:3:4:5:6:7:8",
                "1:2:3:4:5:6:7::",
                "::2:3:4:5:6:7:8",
                "1::8",
                "FE80::ABCD",
                "::ffff:192.0.2.128",
                "64:ff9b::192.0.2.33",
                "1:2:3:4:5:6:1.2.3.4",
                "::1.2.3.4",
                "fd00:10:96::a"
            })
    void ipv6(String text) {
        assertTrue(IpLiteral.isIpv6(text), text);
        assertTrue(IpLiteral.isValid(text));
        assertFalse(IpLiteral.isIpv4(text));
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "",
                ":",
                ":::",
                "1:2:3:4:5:6:7",
                "1:2:3:4:5:6:7:8:9",
                "1:2:3:4:5:6:7:8::",
                "::1:2:3:4:5:6:7:8",
                "1::2::3",
                ":1::2",
                "1::2:",
                "1:",
                ":1",
                "12345::",
                "g::1",
                "fe80::1%eth0",
                "[::1]",
                "::ffff:1.2.3",
                "::ffff:256.1.1.1",
                "1.2.3.4::",
                "::1.2.3.4:1",
                "1:2:3:4:5:6:7:1.2.3.4",
                " ::1",
                "::1 ",
                "::1\n",
                "localhost"
            })
    void notIpv6(String text) {
        assertFalse(IpLiteral.isIpv6(text), text);
    }
}
