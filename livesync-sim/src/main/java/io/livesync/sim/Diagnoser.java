package io.livesync.sim;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * Reads the JSON-line logs of a run folder ({@code runner.log}, {@code server.log}, {@code client-*.log}) and names
 * the failure signatures it finds, with the evidence lines quoted:
 * <ul>
 *   <li><b>advance-only push stall</b> (H001): events still pending at the end; the push loop parked (or gone);
 *       after the last successful push (or the park) only {@code pull-advance}, no {@code pull-rebase}, and no
 *       {@code backend-push-batch} afterwards;</li>
 *   <li><b>reconnect loop</b>: the connection went down again and again with no push succeeding in between;</li>
 *   <li><b>rejected local pushes piling up</b>: many {@code local-push-reject};</li>
 *   <li><b>client exited early</b>: the runner saw a client process end before the run did.</li>
 * </ul>
 */
public final class Diagnoser {

    private static final ObjectMapper JSON = new ObjectMapper();

    private Diagnoser() {}

    /** One signature found on one node. */
    public record Finding(String node, String signature, String summary, List<String> evidence) {}

    /** Everything found in a folder. */
    public record Diagnosis(Path dir, List<Finding> findings, List<String> notes) {
        public boolean has(String signature) {
            return findings.stream().anyMatch(f -> f.signature().equals(signature));
        }

        public String render() {
            StringBuilder sb = new StringBuilder("diagnosis of ").append(dir).append('\n');
            if (findings.isEmpty()) {
                sb.append("  no known failure signature\n");
            }
            for (Finding f : findings) {
                sb.append("  ").append(f.node()).append(": ").append(f.signature().toUpperCase()).append(" - ")
                        .append(f.summary()).append('\n');
                for (String line : f.evidence()) {
                    sb.append("      | ").append(line).append('\n');
                }
            }
            for (String note : notes) {
                sb.append("  note: ").append(note).append('\n');
            }
            return sb.toString();
        }
    }

    public static final String ADVANCE_ONLY_STALL = "advance-only push stall";
    public static final String RECONNECT_LOOP = "reconnect loop";
    public static final String REJECTS_PILING_UP = "rejected local pushes piling up";
    public static final String EXITED_EARLY = "client exited early";

    public static Diagnosis diagnose(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            throw new IOException("not a folder: " + dir);
        }
        Map<String, List<JsonNode>> logs = new TreeMap<>();
        try (Stream<Path> files = Files.list(dir)) {
            for (Path file : files.filter(p -> p.toString().endsWith(".log")).sorted().toList()) {
                List<JsonNode> lines = new ArrayList<>();
                for (String line : Files.readAllLines(file)) {
                    if (line.startsWith("{")) {
                        try {
                            lines.add(JSON.readTree(line));
                        } catch (IOException ignored) {
                            // a half-written last line of a killed process
                        }
                    }
                }
                logs.put(file.getFileName().toString().replace(".log", ""), lines);
            }
        }
        if (logs.isEmpty()) {
            throw new IOException("no .log files in " + dir);
        }
        List<Finding> findings = new ArrayList<>();
        List<String> notes = new ArrayList<>();
        Map<String, JsonNode> finalStatus = new TreeMap<>();
        for (JsonNode line : logs.getOrDefault("runner", List.of())) {
            String event = line.path("event").asText();
            if (event.equals("final-status")) {
                finalStatus.put(line.path("client").asText(), line);
            } else if (event.equals("client-exited-early")) {
                findings.add(new Finding(line.path("client").asText(), EXITED_EARLY,
                        "the process ended with code " + line.path("exitCode").asText() + " before the run did",
                        List.of(quote(line))));
            }
        }
        for (Map.Entry<String, List<JsonNode>> entry : logs.entrySet()) {
            String node = entry.getKey();
            if (node.equals("runner") || node.equals("server")) {
                continue;
            }
            analyseClient(node, entry.getValue(), finalStatus.get(node), findings);
        }
        List<JsonNode> server = logs.getOrDefault("server", List.of());
        long faults = server.stream().filter(l -> l.path("event").asText().equals("fault-injected")).count();
        if (faults > 0) {
            notes.add("the server injected " + faults + " fault(s) (see server.log, event fault-injected)");
        }
        return new Diagnosis(dir, findings, notes);
    }

    private static void analyseClient(String node, List<JsonNode> lines, JsonNode status, List<Finding> findings) {
        if (lines.isEmpty()) {
            return;
        }
        JsonNode last = lines.getLast();
        long pending = status != null ? status.path("pending").asLong() : last.path("pending").asLong();
        String loop = status != null ? status.path("loop").asText() : last.path("loop").asText();

        int lastOk = -1;
        int lastPark = -1;
        for (int i = 0; i < lines.size(); i++) {
            String event = lines.get(i).path("event").asText();
            if (event.equals("backend-push-ok")) {
                lastOk = i;
            } else if (event.equals("push-loop-park")) {
                lastPark = i;
            }
        }
        int from = Math.max(lastOk, lastPark);
        if (pending > 0 && from >= 0) {
            List<JsonNode> after = lines.subList(from + 1, lines.size());
            List<JsonNode> advances = after.stream().filter(l -> l.path("event").asText().equals("pull-advance")).toList();
            boolean rebase = after.stream().anyMatch(l -> l.path("event").asText().equals("pull-rebase"));
            boolean pushed = after.stream().anyMatch(l -> l.path("event").asText().equals("backend-push-batch"));
            boolean loopStuck = loop.equals("parked") || (lastPark > lastOk && !pushed);
            if (!advances.isEmpty() && !rebase && !pushed && loopStuck) {
                List<String> evidence = new ArrayList<>();
                if (lastOk >= 0) {
                    evidence.add(quote(lines.get(lastOk)));
                }
                for (int i = Math.max(0, from - 2); i <= from; i++) {
                    String e = lines.get(i).path("event").asText();
                    if (e.equals("backend-push-error") || e.equals("push-loop-park")) {
                        evidence.add(quote(lines.get(i)));
                    }
                }
                advances.stream().limit(3).forEach(l -> evidence.add(quote(l)));
                if (advances.size() > 3) {
                    evidence.add("... " + (advances.size() - 3) + " more pull-advance, no pull-rebase, no backend-push-batch");
                }
                if (status != null) {
                    evidence.add(quote(status) + "   (runner's final status)");
                } else if (!advances.contains(last)) {
                    evidence.add(quote(last));
                }
                findings.add(new Finding(node, ADVANCE_ONLY_STALL, pending + " event(s) pending at the end, push loop "
                        + loop + "; after the last " + (lastOk > lastPark ? "successful push" : "park") + " only "
                        + advances.size() + " pull-advance arrived (no pull-rebase), so under the legacy policy nothing"
                        + " restarted the push loop", evidence));
            }
        }
        List<JsonNode> downs = lines.stream().filter(l -> l.path("event").asText().equals("connection-down")).toList();
        if (downs.size() >= 5) {
            findings.add(new Finding(node, RECONNECT_LOOP, downs.size() + " connection drops",
                    List.of(quote(downs.getFirst()), quote(downs.getLast()))));
        }
        List<JsonNode> rejects = lines.stream().filter(l -> l.path("event").asText().equals("local-push-reject")).toList();
        if (rejects.size() >= 10) {
            findings.add(new Finding(node, REJECTS_PILING_UP, rejects.size() + " session pushes rejected by the leader",
                    List.of(quote(rejects.getFirst()), quote(rejects.getLast()))));
        }
    }

    private static String quote(JsonNode line) {
        StringBuilder sb = new StringBuilder();
        sb.append(line.path("ts").asText("?")).append(' ').append(line.path("event").asText());
        line.fields().forEachRemaining(f -> {
            String k = f.getKey();
            if (!k.equals("ts") && !k.equals("event") && !k.equals("level") && !k.equals("node") && !k.equals("store")) {
                sb.append(' ').append(k).append('=').append(f.getValue().isTextual() ? f.getValue().asText() : f.getValue());
            }
        });
        return sb.toString();
    }
}
