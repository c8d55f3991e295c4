package io.livesync.client;

import com.fasterxml.jackson.databind.JsonNode;
import io.livesync.core.EventSeq;

/**
 * An event the sync server's validator refused. It was committed locally, then dropped from the pending events when
 * the server refused it: its effects are rolled back and it never reaches other clients; the events committed after
 * it moved up one position and were pushed again.
 *
 * @param position where it stood in the local log when it was refused
 * @param name the event name
 * @param args the event's args
 * @param sessionId the session that committed it
 * @param reason what the server said
 */
public record RefusedEvent(EventSeq position, String name, JsonNode args, String sessionId, String reason) {}
