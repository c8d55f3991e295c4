package com.example;

import io.livesync.core.Event;
import io.livesync.hub.PushValidator;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** The README's validator: only the client that created a todo may complete it. */
public final class OnlyOwnersComplete implements PushValidator {
    private final Map<String, String> owners = new ConcurrentHashMap<>(); // todo id -> client id (in memory: a sketch)

    @Override
    public Verdict validate(Push push) {
        for (int i = 0; i < push.batch().size(); i++) {
            Event e = push.batch().get(i);
            String todo = e.args().path("id").asText();
            switch (e.name()) {
                case "v1.TodoCreated" -> owners.putIfAbsent(todo, e.clientId());
                case "v1.TodoCompleted" -> {
                    String owner = owners.get(todo);
                    if (owner != null && !owner.equals(e.clientId())) {
                        return Verdict.refuse(i, "only " + owner + " may complete " + todo);
                    }
                }
                default -> { }
            }
        }
        return Verdict.accept();
    }
}
