package io.livesync.simulator;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Fault rates of a simulation, each per opportunity: {@code lostAck} per accepted push (the server stores and
 * publishes, then the connection drops before the ack), {@code drop} per message (the connection drops),
 * {@code duplicate} per push (delivered twice), {@code delay} the chance of a slow message, and per simulated second
 * {@code serverRestart}, {@code crash} (a client process dies and restarts from its durable state) and
 * {@code partition} (a client is cut off and heals later; half of the partitions are silent: the socket stays open and
 * messages vanish, so only the transport's ping timeout notices), and per leader transaction {@code diskFailure} (the
 * transaction fails: the leader stops and the process restarts from its durable state), and per event {@code refusal}
 * (the server's validator refuses it, the same event every time: a stable fraction of the events). With two server
 * instances over one store: {@code announceDelay} per announcement of one instance's append to the other (a slow
 * one), and per simulated second {@code listenOutage} (an instance's LISTEN connection is down for a while: the
 * announcements it misses are lost, and it resyncs when it is back). Per simulated second {@code upgrade}: a client
 * still on schema v1 restarts with v2 (see {@link SimSchemas}).
 */
public record SimFaults(double lostAck, double drop, double duplicate, double delay, double serverRestart, double crash,
        double partition, double diskFailure, double refusal, double announceDelay, double listenOutage, double upgrade) {

    public static final SimFaults DEFAULT = new SimFaults(0.05, 0.01, 0.03, 0.1, 0.02, 0.02, 0.03, 0.002, 0.02, 0.2,
            0.05, 0.03);
    public static final SimFaults NONE = new SimFaults(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);

    public SimFaults {
        for (double rate : new double[] {lostAck, drop, duplicate, delay, serverRestart, crash, partition,
            diskFailure, refusal, announceDelay, listenOutage, upgrade}) {
            if (rate < 0 || rate > 1) {
                throw new IllegalArgumentException("fault rates must be in [0, 1], got " + rate);
            }
        }
    }

    public Map<String, Double> asMap() {
        Map<String, Double> m = new LinkedHashMap<>();
        m.put("lost-ack", lostAck);
        m.put("drop", drop);
        m.put("duplicate", duplicate);
        m.put("delay", delay);
        m.put("server-restart", serverRestart);
        m.put("crash", crash);
        m.put("partition", partition);
        m.put("disk-failure", diskFailure);
        m.put("refusal", refusal);
        m.put("announce-delay", announceDelay);
        m.put("listen-outage", listenOutage);
        m.put("upgrade", upgrade);
        return m;
    }

    /** Parses {@code none}, {@code default}, or {@code name=rate,...} overriding the defaults (names of {@link #asMap}). */
    public static SimFaults parse(String text) {
        if (text == null || text.isBlank() || text.equals("default")) {
            return DEFAULT;
        }
        if (text.equals("none")) {
            return NONE;
        }
        Map<String, Double> m = DEFAULT.asMap();
        for (String part : text.split(",")) {
            String[] kv = part.split("=");
            if (kv.length != 2 || !m.containsKey(kv[0].strip())) {
                throw new IllegalArgumentException("bad fault \"" + part + "\": expected name=rate with name in "
                        + m.keySet() + ", or none/default");
            }
            try {
                m.put(kv[0].strip(), Double.parseDouble(kv[1].strip()));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("bad rate in \"" + part + "\"");
            }
        }
        return fromMap(m);
    }

    public SimFaults with(String name, double rate) {
        Map<String, Double> m = asMap();
        m.put(name, rate);
        return fromMap(m);
    }

    private static SimFaults fromMap(Map<String, Double> m) {
        return new SimFaults(m.get("lost-ack"), m.get("drop"), m.get("duplicate"), m.get("delay"),
                m.get("server-restart"), m.get("crash"), m.get("partition"), m.get("disk-failure"),
                m.get("refusal"), m.get("announce-delay"), m.get("listen-outage"),
                m.get("upgrade"));
    }
}
