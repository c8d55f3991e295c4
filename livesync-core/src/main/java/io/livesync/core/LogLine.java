package io.livesync.core;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import java.util.Map;

/**
 * The one shape of livesync's structured log lines, client and server alike: one JSON object per line,
 * {@code {ts, level, node, [store], event, ...fields}}, so that {@code livesync diagnose} and the timeline read every
 * log together. Formatting only: where a line goes is the shell's business ({@code JsonLog}, {@code ServerLog}).
 */
public final class LogLine {

    private static final ObjectMapper JSON = new ObjectMapper();

    private LogLine() {}

    /**
     * One line, without the trailing newline. {@code store} is left out when null; so is a field whose value is null.
     * A value Jackson cannot serialize is written as its {@code toString()}.
     */
    public static String format(Instant ts, String level, String node, String store, String event,
            Map<String, ?> fields) {
        ObjectNode line = header(ts, level, node, store, event);
        for (Map.Entry<String, ?> field : fields.entrySet()) {
            put(line, field.getKey(), field.getValue());
        }
        return line.toString();
    }

    /** As {@link #format(Instant, String, String, String, String, Map)}, with fields as alternating names and values. */
    public static String format(Instant ts, String level, String node, String store, String event,
            Object... keyValues) {
        ObjectNode line = header(ts, level, node, store, event);
        for (int i = 0; i + 1 < keyValues.length; i += 2) {
            put(line, (String) keyValues[i], keyValues[i + 1]);
        }
        return line.toString();
    }

    private static ObjectNode header(Instant ts, String level, String node, String store, String event) {
        ObjectNode line = JSON.createObjectNode();
        line.put("ts", ts.toString());
        line.put("level", level);
        line.put("node", node);
        if (store != null) {
            line.put("store", store);
        }
        line.put("event", event);
        return line;
    }

    private static void put(ObjectNode line, String key, Object value) {
        if (value == null) {
            return;
        }
        try {
            line.set(key, JSON.valueToTree(value));
        } catch (IllegalArgumentException unserializable) {
            line.put(key, value.toString());
        }
    }
}
