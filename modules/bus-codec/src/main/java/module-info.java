import org.jspecify.annotations.NullMarked;

/**
 * Turns an {@code org.llmgine.bus} bus's messages, headers and failure causes into text and back:
 * the {@link org.llmgine.bus.codec.MessageCodec} SPI, with type ids registered explicitly (no Java
 * serialization), and {@link org.llmgine.bus.codec.JsonCodec}, its JSON implementation on Jackson 3.
 * Shared by the durable stores and the bridge. The packages of the application's message records
 * must be open to {@code tools.jackson.databind} ({@code opens com.example.chat to
 * tools.jackson.databind;}); exporting them is not enough.
 */
@NullMarked
module org.llmgine.bus.codec {
    requires transitive org.llmgine.bus;
    requires tools.jackson.databind;
    requires static transitive org.jspecify;

    exports org.llmgine.bus.codec;
}
