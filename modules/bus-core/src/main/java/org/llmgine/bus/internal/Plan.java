package org.llmgine.bus.internal;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * The handlers of one event class in one scope, sorted by priority then registration order and cut
 * into priority groups. Immutable; cached per event class and stamped with the versions of the
 * scope tables it was built from, so a registration change is seen on the next lookup.
 */
final class Plan {

    private static final HandlerEntry[][] NO_GROUPS = new HandlerEntry[0][];
    private static final Comparator<HandlerEntry> ORDER =
            Comparator.<HandlerEntry>comparingInt(e -> e.info.priority()).thenComparingLong(e -> e.seq);

    final HandlerEntry[][] groups;
    final int handlerCount;
    /** One group of several handlers: a lane runs consecutive events of this plan as one fan-out run. */
    final boolean fanOut;
    final long busVersion;
    final long sessionVersion;

    private Plan(HandlerEntry[][] groups, int handlerCount, long busVersion, long sessionVersion) {
        this.groups = groups;
        this.handlerCount = handlerCount;
        this.fanOut = groups.length == 1 && groups[0].length > 1 && groups[0].length <= Short.MAX_VALUE; // Delivery packs the count
        this.busVersion = busVersion;
        this.sessionVersion = sessionVersion;
    }

    /** Tells whether no registration changed in the scopes this plan was built from. */
    boolean isCurrent(ScopeTable busTable, @Nullable SessionImpl session) {
        return busVersion == busTable.version() && (session == null || sessionVersion == session.table().version());
    }

    /** Builds the plan of {@code eventType} from the handlers of the bus scope and of a session scope. */
    static Plan build(Class<?> eventType, List<HandlerEntry> busHandlers, long busVersion,
            List<HandlerEntry> sessionHandlers, long sessionVersion) {
        var matching = new ArrayList<HandlerEntry>();
        for (HandlerEntry entry : busHandlers) {
            if (entry.type.isAssignableFrom(eventType)) {
                matching.add(entry);
            }
        }
        for (HandlerEntry entry : sessionHandlers) {
            if (entry.type.isAssignableFrom(eventType)) {
                matching.add(entry);
            }
        }
        if (matching.isEmpty()) {
            return new Plan(NO_GROUPS, 0, busVersion, sessionVersion);
        }
        matching.sort(ORDER);
        var groups = new ArrayList<HandlerEntry[]>();
        int start = 0;
        for (int i = 1; i <= matching.size(); i++) {
            if (i == matching.size() || matching.get(i).info.priority() != matching.get(start).info.priority()) {
                groups.add(matching.subList(start, i).toArray(HandlerEntry[]::new));
                start = i;
            }
        }
        return new Plan(groups.toArray(HandlerEntry[][]::new), matching.size(), busVersion, sessionVersion);
    }
}
