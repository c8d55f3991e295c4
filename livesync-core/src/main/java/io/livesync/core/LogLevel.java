package io.livesync.core;

/** The level of a structured log line, client and server alike ({@link LogLine}). */
public enum LogLevel {
    DEBUG, INFO, WARN, ERROR;

    /** Whether this level is WARN or ERROR: what the dashboard records as a store's recent problems. */
    public boolean isProblem() {
        return this == WARN || this == ERROR;
    }
}
