package io.livesync.sim;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Draws a run as a self-contained HTML timeline: one lane per node, a mark per sync event (pushes, acks, errors,
 * advances, rebases, parks, resumes, connection changes), and the stall window of each stalled node highlighted.
 * The page embeds the events as JSON and draws the SVG with a small script, so opening it in a browser is what
 * renders it (the test checks exactly that, in headless Chromium).
 */
public final class Timeline {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Set<String> SHOWN = Set.of("backend-push-batch", "backend-push-ok", "backend-push-error",
            "pull-advance", "pull-rebase", "push-loop-park", "push-loop-resume", "push-loop-backoff",
            "push-stall-suspected", "connection-up", "connection-down", "local-push-reject", "push-accepted",
            "push-rejected", "fault-injected", "fault-server-restart", "step", "run-start", "run-end", "final-status",
            "client-exited-early", "sync-stopped", "leader-failed");

    private Timeline() {}

    public static String render(Path dir, Diagnoser.Diagnosis diagnosis) throws IOException {
        ObjectNode data = JSON.createObjectNode();
        data.put("title", "livesync run " + dir.getFileName());
        ArrayNode lanes = data.putArray("lanes");
        ArrayNode stalls = data.putArray("stalls");
        List<Path> logs;
        try (Stream<Path> files = Files.list(dir)) {
            logs = files.filter(p -> p.toString().endsWith(".log")).sorted().toList();
        }
        long end = 0;
        for (Path log : logs) {
            String node = log.getFileName().toString().replace(".log", "");
            ObjectNode lane = lanes.addObject().put("node", node);
            ArrayNode events = lane.putArray("events");
            long lastPark = -1;
            for (String line : Files.readAllLines(log)) {
                JsonNode json;
                try {
                    json = JSON.readTree(line);
                } catch (IOException e) {
                    continue;
                }
                String event = json.path("event").asText();
                long t = millis(json.path("ts").asText());
                if (t < 0 || !SHOWN.contains(event)) {
                    continue;
                }
                end = Math.max(end, t);
                if (event.equals("push-loop-park")) {
                    lastPark = t;
                } else if (event.equals("backend-push-ok") || event.equals("push-loop-resume")) {
                    lastPark = -1;
                }
                ObjectNode e = events.addObject().put("t", t).put("event", event);
                StringBuilder detail = new StringBuilder();
                for (String key : List.of("reason", "error", "pending", "first", "last", "confirmed", "rebased", "what",
                        "verdict", "head")) {
                    if (json.has(key)) {
                        detail.append(key).append('=').append(json.get(key).asText()).append(' ');
                    }
                }
                e.put("detail", detail.toString().trim());
            }
            boolean stalled = diagnosis.findings().stream()
                    .anyMatch(f -> f.node().equals(node) && f.signature().equals(Diagnoser.ADVANCE_ONLY_STALL));
            if (stalled && lastPark >= 0) {
                stalls.addObject().put("node", node).put("from", lastPark);
            }
        }
        data.put("end", end);
        ArrayNode findings = data.putArray("findings");
        for (Diagnoser.Finding f : diagnosis.findings()) {
            findings.add(f.node() + ": " + f.signature() + " - " + f.summary());
        }
        String json = JSON.writeValueAsString(data).replace("</", "<\\/");
        return TEMPLATE.replace("/*DATA*/null", json);
    }

    private static long millis(String ts) {
        try {
            return Instant.parse(ts).toEpochMilli();
        } catch (RuntimeException e) {
            return -1;
        }
    }

    private static final String TEMPLATE = """
            <!doctype html>
            <html><head><meta charset="utf-8"><title>livesync timeline</title>
            <style>
              body { font: 13px system-ui, sans-serif; margin: 16px; color: #222; }
              .lane-label { font-weight: 600; font-size: 12px; }
              .legend span { display: inline-block; margin-right: 12px; }
              .legend i { display: inline-block; width: 10px; height: 10px; margin-right: 4px; border-radius: 2px; }
              #findings li { color: #a00; }
            </style></head>
            <body>
            <h2 id="title"></h2>
            <ul id="findings"></ul>
            <div class="legend" id="legend"></div>
            <svg id="timeline" xmlns="http://www.w3.org/2000/svg"></svg>
            <script>
            const DATA = /*DATA*/null;
            const COLORS = {
              "backend-push-batch": "#1f6feb", "backend-push-ok": "#1a7f37", "backend-push-error": "#cf222e",
              "pull-advance": "#8c959f", "pull-rebase": "#fb8500", "push-loop-park": "#8b0000",
              "push-loop-resume": "#0a9396", "push-loop-backoff": "#bc4c00", "push-stall-suspected": "#d00000",
              "connection-up": "#2da44e", "connection-down": "#6e7781", "local-push-reject": "#bf3989",
              "push-accepted": "#1a7f37", "push-rejected": "#cf222e", "fault-injected": "#000000",
              "fault-server-restart": "#000000", "step": "#6639ba", "run-start": "#6639ba", "run-end": "#6639ba",
              "final-status": "#6639ba", "client-exited-early": "#d00000", "sync-stopped": "#d00000",
              "leader-failed": "#d00000" };
            const NS = "http://www.w3.org/2000/svg";
            document.getElementById("title").textContent = DATA.title;
            for (const f of DATA.findings) {
              const li = document.createElement("li"); li.textContent = f;
              document.getElementById("findings").appendChild(li);
            }
            for (const [name, color] of Object.entries(COLORS)) {
              const s = document.createElement("span");
              s.innerHTML = '<i style="background:' + color + '"></i>' + name;
              document.getElementById("legend").appendChild(s);
            }
            const svg = document.getElementById("timeline");
            const laneH = 44, left = 110, width = 1200;
            const starts = DATA.lanes.flatMap(l => l.events.map(e => e.t));
            const t0 = starts.length ? Math.min(...starts) : 0;
            const span = Math.max(1, DATA.end - t0);
            const x = t => left + (t - t0) / span * (width - left - 20);
            svg.setAttribute("width", width);
            svg.setAttribute("height", DATA.lanes.length * laneH + 30);
            DATA.lanes.forEach((lane, i) => {
              const g = document.createElementNS(NS, "g");
              g.setAttribute("class", "lane");
              g.setAttribute("data-node", lane.node);
              const y = i * laneH + 20;
              const label = document.createElementNS(NS, "text");
              label.setAttribute("x", 4); label.setAttribute("y", y + 4); label.setAttribute("class", "lane-label");
              label.textContent = lane.node;
              g.appendChild(label);
              const axis = document.createElementNS(NS, "line");
              axis.setAttribute("x1", left); axis.setAttribute("x2", width - 10);
              axis.setAttribute("y1", y); axis.setAttribute("y2", y); axis.setAttribute("stroke", "#d0d7de");
              g.appendChild(axis);
              for (const s of DATA.stalls.filter(s => s.node === lane.node)) {
                const r = document.createElementNS(NS, "rect");
                r.setAttribute("class", "stall");
                r.setAttribute("x", x(s.from)); r.setAttribute("y", y - 16);
                r.setAttribute("width", Math.max(2, x(DATA.end) - x(s.from))); r.setAttribute("height", 32);
                r.setAttribute("fill", "rgba(208,0,0,0.15)");
                const tip = document.createElementNS(NS, "title"); tip.textContent = "stall window";
                r.appendChild(tip);
                g.appendChild(r);
              }
              for (const e of lane.events) {
                const c = document.createElementNS(NS, "circle");
                c.setAttribute("class", "mark");
                c.setAttribute("data-event", e.event);
                c.setAttribute("cx", x(e.t)); c.setAttribute("cy", y); c.setAttribute("r", 5);
                c.setAttribute("fill", COLORS[e.event] || "#000");
                const tip = document.createElementNS(NS, "title");
                tip.textContent = new Date(e.t).toISOString() + " " + e.event + " " + e.detail;
                c.appendChild(tip);
                g.appendChild(c);
              }
              svg.appendChild(g);
            });
            document.body.setAttribute("data-rendered", "true");
            </script>
            </body></html>
            """;
}
