package org.llmgine.bus.bridge;

/**
 * The headers the bridge writes on every record and reads back: a receiver needs nothing else to
 * decode a record, put it in the right session, skip its own echo and drop a redelivery.
 */
public final class BridgeHeaders {

    /** The message's id on the bus that published it (the dedup key). */
    public static final String MESSAGE_ID = "llmgine-id";
    /** The session id, absent for the bus scope. */
    public static final String SESSION = "llmgine-session";
    /** The codec's type id of the payload. */
    public static final String TYPE = "llmgine-type";
    /** The instance id of the bus that published it: a receiver skips its own records. */
    public static final String ORIGIN = "llmgine-origin";
    /** The bus headers the handlers saw (trace context among them), in the codec's text. */
    public static final String HEADERS = "llmgine-headers";
    /** What the record is: {@code event}, {@code request}, {@code reply} or {@code cancel}. */
    public static final String KIND = "llmgine-kind";
    /** On a reply or cancel: the id of the request it answers. */
    public static final String CORRELATION = "llmgine-correlation";
    /** On a request: the topic the reply goes to. */
    public static final String REPLY_TO = "llmgine-reply-to";
    /** On a request: when the caller stops waiting, as epoch milliseconds. */
    public static final String DEADLINE = "llmgine-deadline";

    /**
     * The bus header an imported event carries: the instance it came from. The bridge never sends
     * an event with this header out again, so two bridged buses do not echo each other's events.
     */
    public static final String IMPORTED_FROM = "llmgine.bridge.origin";
    /** The bus header an imported event carries: its id on the bus it came from. */
    public static final String SOURCE_ID = "llmgine.bridge.source-id";

    private BridgeHeaders() {
    }
}
