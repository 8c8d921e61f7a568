package dev.jcri.image.store;

import dev.jcri.image.distribution.VerifyingInputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/** OCI ChainIDs: a layer's identity including everything below it, so one diff on two bases is two layers. */
public final class ChainId {
    private ChainId() {}

    /** ChainID(L0) = DiffID(L0); ChainID(Ln) = sha256(ChainID(Ln-1) + " " + DiffID(Ln)). */
    public static List<String> of(List<String> diffIds) {
        List<String> chain = new ArrayList<>(diffIds.size());
        String previous = null;
        for (String diffId : diffIds) {
            String id = previous == null
                    ? diffId
                    : "sha256:"
                            + HexFormat.of()
                                    .formatHex(VerifyingInputStream.newDigest("sha256")
                                            .digest((previous + " " + diffId).getBytes(StandardCharsets.UTF_8)));
            chain.add(id);
            previous = id;
        }
        return chain;
    }

    static String hex(String digest) {
        return digest.substring(digest.indexOf(':') + 1);
    }
}
