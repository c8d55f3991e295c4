package io.livesync.core.conformance;

/** A conformance vector line that cannot be read; the message names the file, the line and what is wrong. */
public final class MalformedVectorException extends RuntimeException {

    public MalformedVectorException(String source, String problem) {
        super(source + ": malformed vector: " + problem);
    }
}
