package io.livesync.core;

import com.fasterxml.jackson.databind.JsonNode;
import java.math.BigDecimal;
import java.util.Iterator;
import java.util.Map;

/**
 * Canonical comparison of JSON trees, as used for event args (DESIGN.md §4.3).
 *
 * <p>Two trees are equivalent when they are equal after this normalisation: object key order does not matter; an
 * object member whose value is {@code null} counts as absent (JavaScript drops {@code undefined} members on the wire,
 * and Java serializers often write them as {@code null}); numbers compare by numeric value ({@code 1}, {@code 1.0}
 * and {@code 1e0} are equal, as they are once they went through a JavaScript client). A top-level {@code null} and a
 * missing node are the same "no args".
 */
public final class CanonicalJson {

    private CanonicalJson() {}

    /** True when {@code a} and {@code b} are the same JSON value after canonicalisation. */
    public static boolean equivalent(JsonNode a, JsonNode b) {
        boolean aAbsent = a == null || a.isNull() || a.isMissingNode();
        boolean bAbsent = b == null || b.isNull() || b.isMissingNode();
        if (aAbsent || bAbsent) {
            return aAbsent && bAbsent;
        }
        if (a.isNumber() && b.isNumber()) {
            return numericEqual(a, b);
        }
        if (a.getNodeType() != b.getNodeType()) {
            return false;
        }
        return switch (a.getNodeType()) {
            case OBJECT -> objectsEquivalent(a, b);
            case ARRAY -> arraysEquivalent(a, b);
            default -> a.equals(b);
        };
    }

    private static boolean numericEqual(JsonNode a, JsonNode b) {
        if (a.canConvertToExactIntegral() && b.canConvertToExactIntegral() && a.isIntegralNumber() && b.isIntegralNumber()) {
            return a.bigIntegerValue().equals(b.bigIntegerValue());
        }
        BigDecimal x = a.decimalValue();
        BigDecimal y = b.decimalValue();
        return x.compareTo(y) == 0;
    }

    private static boolean arraysEquivalent(JsonNode a, JsonNode b) {
        if (a.size() != b.size()) {
            return false;
        }
        for (int i = 0; i < a.size(); i++) {
            JsonNode x = a.get(i);
            JsonNode y = b.get(i);
            // inside arrays null is a real element, not an absent member
            if (x.isNull() || y.isNull()) {
                if (!(x.isNull() && y.isNull())) {
                    return false;
                }
            } else if (!equivalent(x, y)) {
                return false;
            }
        }
        return true;
    }

    private static boolean objectsEquivalent(JsonNode a, JsonNode b) {
        if (countPresent(a) != countPresent(b)) {
            return false;
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = a.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> member = it.next();
            if (member.getValue().isNull()) {
                continue;
            }
            JsonNode other = b.get(member.getKey());
            if (other == null || other.isNull() || !equivalent(member.getValue(), other)) {
                return false;
            }
        }
        return true;
    }

    private static int countPresent(JsonNode object) {
        int n = 0;
        for (JsonNode value : object) {
            if (!value.isNull()) {
                n++;
            }
        }
        return n;
    }
}
