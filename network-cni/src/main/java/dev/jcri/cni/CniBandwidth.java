package dev.jcri.cni;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import tools.jackson.databind.node.ObjectNode;

/**
 * Traffic shaping for the {@code bandwidth} capability; rates in bits per second, bursts in bits. A zero rate
 * leaves that direction unshaped.
 */
public record CniBandwidth(long ingressRate, long ingressBurst, long egressRate, long egressBurst) {
    public static final String INGRESS_ANNOTATION = "kubernetes.io/ingress-bandwidth";
    public static final String EGRESS_ANNOTATION = "kubernetes.io/egress-bandwidth";

    // The bandwidth plugin ignores a rate without a burst; kubelet's convention is "no burst limit".
    private static final long UNLIMITED_BURST = 0xFFFF_FFFFL;
    // kubelet's sanity bounds for the annotations: 1 kbit/s to 1 Pbit/s.
    private static final BigDecimal MIN_RATE = BigDecimal.valueOf(1_000);
    private static final BigDecimal MAX_RATE = BigDecimal.valueOf(1_000_000_000_000_000L);
    private static final Pattern QUANTITY = Pattern.compile("([0-9]+(?:\\.[0-9]+)?)(Ki|Mi|Gi|Ti|Pi|Ei|k|M|G|T|P|E)?");

    public CniBandwidth {
        if (ingressRate < 0 || ingressBurst < 0 || egressRate < 0 || egressBurst < 0) {
            throw new IllegalArgumentException("negative bandwidth value");
        }
    }

    /**
     * The shaping the pod asks for with {@code kubernetes.io/ingress-bandwidth} / {@code egress-bandwidth}
     * (Kubernetes quantities such as {@code 10M} or {@code 1Gi}), or empty if it asks for none.
     *
     * @throws IllegalArgumentException an annotation is not a quantity or is out of kubelet's bounds
     */
    public static Optional<CniBandwidth> fromPodAnnotations(Map<String, String> annotations) {
        long ingress = rate(annotations, INGRESS_ANNOTATION);
        long egress = rate(annotations, EGRESS_ANNOTATION);
        if (ingress == 0 && egress == 0) {
            return Optional.empty();
        }
        return Optional.of(new CniBandwidth(
                ingress, ingress == 0 ? 0 : UNLIMITED_BURST, egress, egress == 0 ? 0 : UNLIMITED_BURST));
    }

    private static long rate(Map<String, String> annotations, String key) {
        String text = annotations.get(key);
        if (text == null) {
            return 0;
        }
        Matcher m = QUANTITY.matcher(text.strip());
        if (!m.matches()) {
            throw new IllegalArgumentException("annotation " + key + "=" + text + " is not a quantity");
        }
        BigDecimal value = new BigDecimal(m.group(1)).multiply(multiplier(m.group(2)));
        if (value.compareTo(MIN_RATE) < 0 || value.compareTo(MAX_RATE) > 0) {
            throw new IllegalArgumentException("annotation " + key + "=" + text + " is outside 1k..1P bits per second");
        }
        return value.setScale(0, RoundingMode.CEILING).longValueExact();
    }

    private static BigDecimal multiplier(String suffix) {
        if (suffix == null) {
            return BigDecimal.ONE;
        }
        return switch (suffix) {
            case "k" -> BigDecimal.TEN.pow(3);
            case "M" -> BigDecimal.TEN.pow(6);
            case "G" -> BigDecimal.TEN.pow(9);
            case "T" -> BigDecimal.TEN.pow(12);
            case "P" -> BigDecimal.TEN.pow(15);
            case "E" -> BigDecimal.TEN.pow(18);
            case "Ki" -> BigDecimal.TWO.pow(10);
            case "Mi" -> BigDecimal.TWO.pow(20);
            case "Gi" -> BigDecimal.TWO.pow(30);
            case "Ti" -> BigDecimal.TWO.pow(40);
            case "Pi" -> BigDecimal.TWO.pow(50);
            case "Ei" -> BigDecimal.TWO.pow(60);
            default -> throw new IllegalArgumentException("unknown quantity suffix " + suffix);
        };
    }

    ObjectNode toJson() {
        ObjectNode json = CniJson.newObject();
        json.put("ingressRate", ingressRate);
        json.put("ingressBurst", ingressBurst);
        json.put("egressRate", egressRate);
        json.put("egressBurst", egressBurst);
        return json;
    }
}
