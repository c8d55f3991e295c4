package io.livesync.hub;

import io.livesync.core.Event;
import java.util.List;
import java.util.Objects;

/**
 * Server-side rules for what may be written (issue #17): sees every well-formed push before arbitration stores
 * anything, and accepts it or refuses one of its events with a reason.
 *
 * <p>A refusal reaches the client as the typed wire error {@code event-refused} (non-retryable) whose cause names the
 * refused event's {@code seqNum}; nothing of the batch is stored. A livesync client drops that event (rolling back its
 * effects), tells the app and pushes the others again; a batch with several forbidden events is refused one event at
 * a time. The validator runs on every push path (0.4 WebSocket, 0.3 WebSocket, HTTP), outside every server lock,
 * possibly on many threads at once: implementations must be thread-safe. It also sees batches that arbitration then
 * refuses ({@code ServerAheadError}, a backend id mismatch), so it must not treat "validated" as "stored".
 *
 * <p>A validator that throws, returns null or names an index outside the batch is a server fault, not a refusal: the
 * push is answered {@code storage-error} (retryable; nothing stored) and logged {@code push-validator-failed}.
 *
 * <p>Configured by class name ({@code ServerConfig.Builder.pushValidator(String)} of livesync-server, {@code livesync server
 * --push-validator}): a public class with a public no-argument constructor on the server's class path.
 */
@FunctionalInterface
public interface PushValidator {

    /** Judges one push. Called once per push, before anything of it is stored. */
    Verdict validate(Push push);

    /** Accepts everything: the default. */
    PushValidator ACCEPT_ALL = push -> Verdict.ACCEPT;

    /**
     * One push as the validator sees it.
     *
     * @param storeId the store pushed to
     * @param pusher who pushes
     * @param batch the events, in order, with the sequence numbers the client gave them
     */
    record Push(String storeId, Pusher pusher, List<Event> batch) {
        public Push {
            Objects.requireNonNull(storeId, "storeId");
            Objects.requireNonNull(pusher, "pusher");
            batch = List.copyOf(batch);
        }
    }

    /**
     * Who pushes.
     *
     * @param subject the authenticated identity: today the token entry that admitted the request ({@code "token:"}
     *     and the store id of a store's own token, {@code "token:*"} for the default token, {@code "anonymous"} with
     *     {@code --insecure-no-auth}); a JWT's {@code sub} will go here. Never the token itself
     * @param clientId the client id of the batch's first event (every event also carries its own {@code clientId})
     */
    record Pusher(String subject, String clientId) {
        public Pusher {
            Objects.requireNonNull(subject, "subject");
            Objects.requireNonNull(clientId, "clientId");
        }
    }

    /** A validator's answer. */
    sealed interface Verdict {
        Accept ACCEPT = new Accept();

        /** Stores the batch (if it chains onto the head). */
        record Accept() implements Verdict {}

        /**
         * Refuses the batch because of its event at {@code index} (0-based in {@link Push#batch()}).
         *
         * @param reason shown to the client and logged; keep it short and free of secrets
         */
        record Refuse(int index, String reason) implements Verdict {
            public Refuse {
                Objects.requireNonNull(reason, "reason");
            }
        }

        static Verdict accept() {
            return ACCEPT;
        }

        static Verdict refuse(int index, String reason) {
            return new Refuse(index, reason);
        }
    }

    /**
     * Instantiates {@code className} from the class path.
     *
     * @throws IllegalArgumentException naming the class and what is wrong with it (missing, not a PushValidator, no
     *     public no-argument constructor, its constructor threw)
     */
    static PushValidator load(String className) {
        Objects.requireNonNull(className, "className");
        Class<?> type;
        try {
            ClassLoader loader = Thread.currentThread().getContextClassLoader();
            type = Class.forName(className, true, loader != null ? loader : PushValidator.class.getClassLoader());
        } catch (ClassNotFoundException | LinkageError e) {
            throw new IllegalArgumentException("push validator class " + className + " is not on the class path ("
                    + e + ")", e);
        }
        if (!PushValidator.class.isAssignableFrom(type)) {
            throw new IllegalArgumentException("push validator class " + className + " does not implement "
                    + PushValidator.class.getName());
        }
        try {
            return (PushValidator) type.getConstructor().newInstance();
        } catch (NoSuchMethodException | IllegalAccessException e) {
            throw new IllegalArgumentException("push validator class " + className
                    + " needs a public no-argument constructor", e);
        } catch (java.lang.reflect.InvocationTargetException e) {
            throw new IllegalArgumentException("the constructor of push validator class " + className + " threw "
                    + e.getCause(), e.getCause());
        } catch (InstantiationException e) {
            throw new IllegalArgumentException("push validator class " + className + " is abstract", e);
        }
    }
}
