package io.livesync.server;

import java.util.SplittableRandom;

/** A seeded generator of malformed or refused client frames; none of them may be accepted by a server at head 10. */
final class FuzzFrames {

    private FuzzFrames() {}

    static String event(long seq, long parent, String args) {
        return "{\"name\":\"v1.TodoCreated\"" + (args == null ? "" : ",\"args\":" + args) + ",\"seqNum\":" + seq
                + ",\"parentSeqNum\":" + parent + ",\"clientId\":\"fuzz\",\"sessionId\":\"s\"}";
    }

    static String push(String id, String store, String token, String batch, String backendId) {
        String sync = token == null ? "" : "\"payload\":{\"authToken\":\"" + token + "\"},";
        return "{\"_tag\":\"Request\",\"id\":\"" + id + "\",\"tag\":\"SyncWsRpc.Push\",\"payload\":{\"storeId\":\""
                + store + "\"," + sync + "\"batch\":[" + batch + "],\"backendId\":" + backendId + "},\"headers\":[]}";
    }

    static String none() {
        return "{\"_tag\":\"None\"}";
    }

    static String generate(SplittableRandom r, String id, String backendId) {
        String args = "{\"id\":\"x" + r.nextInt(1_000_000) + "\",\"text\":\"t\"}";
        String valid = push(id, "fuzz", "secret", event(11, 10, args), none());
        return switch (r.nextInt(14)) {
            case 0 -> valid.substring(0, 1 + r.nextInt(valid.length() - 2)); // truncated JSON
            case 1 -> valid.replace("\"seqNum\":11", "\"seqNum\":\"11\""); // wrong type
            case 2 -> valid.replace("\"seqNum\":11", "\"seqNum\":" + "9".repeat(20 + r.nextInt(30))); // huge
            case 3 -> valid.replace(args, "[".repeat(70 + r.nextInt(50)) + "]".repeat(0)); // deep nesting
            case 4 -> {
                StringBuilder batch = new StringBuilder();
                int n = 101 + r.nextInt(100);
                for (int i = 0; i < n; i++) {
                    batch.append(i == 0 ? "" : ",").append(event(11 + i, 10 + i, args));
                }
                yield push(id, "fuzz", "secret", batch.toString(), none()); // oversized batch
            }
            case 5 -> push(id, "fuzz", "secret", event(1 + r.nextInt(9), r.nextInt(9), args), none()); // non-chaining
            case 6 -> push(id, "other-store", "secret", event(1, 0, args), none()); // wrong store
            case 7 -> push(id, "fuzz", "wrong", event(11, 10, args), none()); // wrong token
            case 8 -> push(id, "fuzz", "secret", event(11, 10, args) + "," + event(13, 12, args), none()); // gap
            case 9 -> push(id, "fuzz", "secret", event(11, 10, "\"" + "z".repeat(300_000) + "\""), none()); // big event
            case 10 -> "{\"_tag\":\"Request\",\"id\":\"" + id + "\",\"tag\":\"SyncWsRpc.Drop\",\"payload\":"
                    + "{\"storeId\":\"fuzz\"}}"; // unknown RPC
            case 11 -> push(id, "fuzz", "secret", event(11, 10, args), "{\"_tag\":\"Some\",\"value\":\"not-"
                    + backendId + "\"}"); // backend id mismatch
            case 12 -> "{\"_tag\":\"Request\",\"id\":\"" + id + "\",\"tag\":\"SyncWsRpc.Push\",\"payload\":"
                    + "{\"storeId\":\"fuzz\",\"payload\":{\"authToken\":\"secret\"},\"batch\":[],\"backendId\":\""
                    + "x\"}}"; // bad option
            default -> "{\"_tag\":\"Request\",\"id\":\"" + id + "\",\"payload\":{\"storeId\":\"fuzz\"},"
                    + "\"pad\":\"" + "p".repeat((1 << 20) + r.nextInt(1000)) + "\"}"; // frame over maxFrameBytes
        };
    }
}
