package org.llmgine.bus.bridge;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks an event class as leaving the bus through a bridge's {@link Route#annotated} route.
 *
 * <pre>{@code
 * @Externalized(topic = "chat-events")
 * record AnswerReady(String text) implements Event {}
 * }</pre>
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.TYPE)
public @interface Externalized {

    /**
     * The topic the events go to.
     *
     * @return not blank
     */
    String topic();
}
