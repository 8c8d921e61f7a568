package dev.jcri.image.distribution;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class AuthChallengeTest {
    @Test
    void dockerHubBearer() {
        List<AuthChallenge> challenges = AuthChallenge.parse("Bearer realm=\"https://auth.docker.io/token\","
                + "service=\"registry.docker.io\",scope=\"repository:library/busybox:pull\"");
        assertEquals(1, challenges.size());
        AuthChallenge c = challenges.getFirst();
        assertTrue(c.isBearer());
        assertFalse(c.isBasic());
        assertEquals("https://auth.docker.io/token", c.realm());
        assertEquals("registry.docker.io", c.service());
        assertEquals("repository:library/busybox:pull", c.scope());
        assertNull(c.token68());
    }

    @Test
    void basicWithSpacesInRealm() {
        AuthChallenge c = AuthChallenge.parse("Basic realm=\"Registry Realm\"").getFirst();
        assertTrue(c.isBasic());
        assertEquals("Registry Realm", c.realm());
    }

    @Test
    void schemeAndNamesAreCaseInsensitive() {
        AuthChallenge c = AuthChallenge.parse("bearer Realm=\"r\", SERVICE=s").getFirst();
        assertTrue(c.isBearer());
        assertEquals("r", c.realm());
        assertEquals("s", c.parameter("Service"));
        assertEquals(Map.of("realm", "r", "service", "s"), c.parameters());
    }

    @Test
    void commasAndEscapesInsideQuotes() {
        AuthChallenge c = AuthChallenge.parse(
                        "Bearer realm=\"https://r.example/token?a=1,b=2\",scope=\"repository:a:pull,push repository:b:pull\","
                                + "error=\"say \\\"hi\\\" \\\\ bye\"")
                .getFirst();
        assertEquals("https://r.example/token?a=1,b=2", c.realm());
        assertEquals("repository:a:pull,push repository:b:pull", c.scope());
        assertEquals("say \"hi\" \\ bye", c.parameter("error"));
    }

    @Test
    void severalChallengesInOneHeader() {
        List<AuthChallenge> challenges = AuthChallenge.parse(
                "Basic realm=\"basic, realm\" , Bearer realm=\"https://t.example/token\", service=reg ,"
                        + " Negotiate abc+/def==, NTLM");
        assertEquals(
                List.of("Basic", "Bearer", "Negotiate", "NTLM"),
                challenges.stream().map(AuthChallenge::scheme).toList());
        assertEquals("basic, realm", challenges.get(0).realm());
        assertEquals("https://t.example/token", challenges.get(1).realm());
        assertEquals("reg", challenges.get(1).service());
        assertEquals("abc+/def==", challenges.get(2).token68());
        assertEquals(Map.of(), challenges.get(3).parameters());
    }

    @Test
    void whitespaceAroundEquals() {
        AuthChallenge c =
                AuthChallenge.parse("Bearer realm = \"x\" ,\tservice= y").getFirst();
        assertEquals("x", c.realm());
        assertEquals("y", c.service());
    }

    @Test
    void emptyQuotedValue() {
        assertEquals(
                "",
                AuthChallenge.parse("Bearer realm=\"\",service=\"s\"")
                        .getFirst()
                        .realm());
    }

    @Test
    void malformedHeadersAreRejected() {
        for (String header : List.of(
                "",
                "   ",
                "Bearer realm=\"unterminated",
                "Bearer =x",
                "Bearer realm=x y",
                "Bearer realm=\"x\" junk",
                "\"quoted\" realm=x")) {
            IllegalArgumentException e =
                    assertThrows(IllegalArgumentException.class, () -> AuthChallenge.parse(header), header);
            assertTrue(e.getMessage().contains("WWW-Authenticate"), e.getMessage());
        }
    }
}
