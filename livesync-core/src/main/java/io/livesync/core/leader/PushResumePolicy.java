package io.livesync.core.leader;

import java.util.Locale;
import java.util.Map;

/**
 * What wakes the backend push loop after a push error (DESIGN.md §3.1).
 *
 * <ul>
 *   <li>{@link #REBASE_ONLY}: LiveStore before the H001 fix. Every push error parks or kills the loop and only an
 *       upstream <em>rebase</em> restarts it. Kept to reproduce the stall; never the default.</li>
 *   <li>{@link #ON_ADVANCE}: LiveStore 0.4.0's push loop (its fix, commit 8330f02da, plus its retries): every
 *       non-empty upstream page, advance or rebase, restarts pushing (a push in flight is superseded, the queue is
 *       reseeded from the authoritative pending list); offline and transient errors are retried with capped
 *       exponential backoff without jitter; a ServerAhead rejection waits for the next upstream page.</li>
 *   <li>{@link #SUPERVISED} (default): {@code ON_ADVANCE}'s resumes and retries plus jitter, a push timeout,
 *       resume on reconnect, a re-pull after ServerAhead, and a watchdog that re-pulls and resumes when pending
 *       events make no progress for {@code stallAfter} while connected. Only a backend reset or a refusal that
 *       retrying cannot fix (unauthorized, an event too large for the server) parks the loop for good.</li>
 * </ul>
 */
public enum PushResumePolicy {
    REBASE_ONLY,
    ON_ADVANCE,
    SUPERVISED;

    /** Environment variable selecting the policy: {@code rebase-only|on-advance|supervised}. */
    public static final String ENV = "LIVESYNC_PUSH_RESUME";
    /** The investigation's flag: {@code 1} means {@code on-advance}, {@code 0} means {@code rebase-only}. */
    public static final String LEGACY_ENV = "LS_RESUME_PUSH_ON_ADVANCE";

    /** The command-line spelling, e.g. {@code rebase-only}. */
    public String cliName() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    /**
     * Parses {@code rebase-only}, {@code on-advance} or {@code supervised} (case-insensitive; underscores allowed).
     *
     * @throws IllegalArgumentException naming the value and the accepted ones
     */
    public static PushResumePolicy parse(String text) {
        String normalized = text == null ? "" : text.trim().toLowerCase(Locale.ROOT).replace('_', '-');
        for (PushResumePolicy policy : values()) {
            if (policy.cliName().equals(normalized)) {
                return policy;
            }
        }
        throw new IllegalArgumentException("unknown push-resume policy \"" + text
                + "\" (expected rebase-only, on-advance or supervised)");
    }

    /**
     * The policy chosen by the environment: {@link #ENV} first, then {@link #LEGACY_ENV}, else {@code fallback}.
     *
     * @throws IllegalArgumentException when a variable holds a value that means nothing
     */
    public static PushResumePolicy fromEnvironment(Map<String, String> env, PushResumePolicy fallback) {
        String explicit = env.get(ENV);
        if (explicit != null && !explicit.isBlank()) {
            return parse(explicit);
        }
        String legacy = env.get(LEGACY_ENV);
        if (legacy != null && !legacy.isBlank()) {
            return switch (legacy.trim()) {
                case "1" -> ON_ADVANCE;
                case "0" -> REBASE_ONLY;
                default -> throw new IllegalArgumentException(LEGACY_ENV + " must be 1 (on-advance) or 0 (rebase-only), got \""
                        + legacy + "\"");
            };
        }
        return fallback;
    }
}
