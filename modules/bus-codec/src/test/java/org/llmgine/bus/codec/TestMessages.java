package org.llmgine.bus.codec;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import org.llmgine.bus.message.Command;
import org.llmgine.bus.message.Event;
import org.llmgine.bus.message.FailureCause;

/** The records the codec tests write and read; package-private, so Jackson needs the package open. */
final class TestMessages {

    private TestMessages() {
    }

    record AskModel(String prompt) implements Command<String> {}

    enum Urgency { LOW, HIGH }

    record Line(String sku, int count) {}

    record Customer(String name, @Nullable String email) {}

    /** Every kind of component the codec should carry: scalars, nested records, lists, maps, time, enums. */
    record OrderPlaced(String id, int quantity, long total, double price, boolean urgent, List<Line> lines,
            Customer customer, Map<String, Integer> stock, Instant at, Duration within, Urgency urgency)
            implements Event {}

    /** Refuses a blank name, as a record with a validating compact constructor does. */
    record Renamed(String name) implements Event {
        Renamed {
            if (name.isBlank()) {
                throw new IllegalArgumentException("name must not be blank, but was '" + name + "'");
            }
        }
    }

    record Counted(int count) implements Event {}

    sealed interface ChatEvent extends Event permits TokenStreamed, AnswerDone, ToolEvent {}

    record TokenStreamed(String token, int index) implements ChatEvent {}

    record AnswerDone(String answer) implements ChatEvent {}

    sealed interface ToolEvent extends ChatEvent permits ToolCalled, ToolReturned {}

    record ToolCalled(String tool, List<String> arguments) implements ToolEvent {}

    record ToolReturned(String tool, @Nullable String result) implements ToolEvent {}

    /** A sealed interface with a leaf the walk cannot register. */
    sealed interface Mixed extends Event permits Fine, NotARecord {}

    record Fine(String value) implements Mixed {}

    static final class NotARecord implements Mixed {}

    /** Two nested sealed interfaces with records of the same simple name. */
    sealed interface Clash extends Event permits Left, Right {}

    sealed interface Left extends Clash permits Left.Started {
        record Started() implements Left {}
    }

    sealed interface Right extends Clash permits Right.Started {
        record Started() implements Right {}
    }

    /** A record that is no message. */
    record Point(int x, int y) {}

    /** An application's own failure cause. */
    record QuotaExceeded(String tenant, int limit) implements FailureCause.Other {
        @Override
        public String describe() {
            return "tenant '" + tenant + "' exceeded its quota of " + limit;
        }
    }

    /** A failure cause no codec registers. */
    record Unlisted(String what) implements FailureCause.Other {
        @Override
        public String describe() {
            return what;
        }
    }
}
