package org.llmgine.bus.codec;

import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import org.jspecify.annotations.Nullable;
import org.llmgine.bus.message.FailureCause;

/**
 * The type ids of a codec: which record class each id names, and back. One namespace holds the
 * messages, the {@link FailureCause.Other} causes and the records commands return (their results,
 * for commands across JVMs). An id names one class and a class has one id.
 *
 * <p>Immutable; {@link Builder} is not thread-safe.
 */
final class TypeRegistry {

    private final Map<String, Class<?>> classesById;
    private final Map<Class<?>, String> idsByClass;
    private final Map<String, Class<?>> classesByName;

    private TypeRegistry(Map<String, Class<?>> classesById) {
        this.classesById = Map.copyOf(classesById);
        var ids = new HashMap<Class<?>, String>();
        var names = new HashMap<String, Class<?>>();
        classesById.forEach((id, type) -> {
            ids.put(type, id);
            names.put(type.getName(), type);
        });
        this.idsByClass = Map.copyOf(ids);
        this.classesByName = Map.copyOf(names);
    }

    /** Returns the class registered under {@code typeId}, or null. */
    @Nullable Class<?> classOf(String typeId) {
        return classesById.get(typeId);
    }

    /** Returns the id {@code type} is registered under, or null. */
    @Nullable String idOf(Class<?> type) {
        return idsByClass.get(type);
    }

    /**
     * Returns the registered class whose name is {@code className}, or null. A map lookup among the
     * registered classes: nothing is loaded.
     */
    @Nullable Class<?> registeredClassNamed(String className) {
        return classesByName.get(className);
    }

    /** Returns the registered ids, sorted. */
    Set<String> typeIds() {
        return Collections.unmodifiableSet(new TreeSet<>(classesById.keySet()));
    }

    /**
     * Checks that Jackson, in module {@code reader}, may reflect on {@code type}: its package must be
     * open to {@code reader}. Exporting is not enough, even for a public record: Jackson 3 reaches the
     * accessors and the constructor through method handles, which need deep access. On the class
     * path (the unnamed module) everything is open.
     *
     * @throws IllegalArgumentException naming the package and the {@code opens} line to add
     */
    static void requireReadable(Class<?> type, Module reader) {
        Module module = type.getModule();
        String pkg = type.getPackageName();
        if (module.isOpen(pkg, reader)) {
            return;
        }
        throw new IllegalArgumentException(type.getName() + " is in package " + pkg + " of module "
                + module.getName() + ", which is not open to " + reader.getName() + "; add 'opens " + pkg
                + " to " + reader.getName() + ";' to the module-info.java of " + module.getName());
    }

    /** Collects registrations; every call validates at once and throws on a conflict. */
    static final class Builder {

        private final Module reader;
        private final Map<String, Class<?>> classesById = new LinkedHashMap<>();
        private final Map<Class<?>, String> idsByClass = new HashMap<>();

        /**
         * Creates an empty builder.
         *
         * @param reader the module that reflects on the registered records (Jackson's)
         */
        Builder(Module reader) {
            this.reader = Objects.requireNonNull(reader, "reader");
        }

        /** Registers {@code type} under {@code typeId}; a repeat of the same pair is a no-op. */
        void add(String typeId, Class<?> type) {
            Objects.requireNonNull(typeId, "typeId");
            Objects.requireNonNull(type, "type");
            checkType(type);
            put(typeId, type, classesById, idsByClass);
        }

        /**
         * Registers every record reachable from the sealed interface {@code sealedType} through its
         * permitted subclasses (sealed interfaces among them are walked), each under
         * {@code prefix + "." + simpleName}. All or nothing: on a conflict nothing is registered.
         */
        void addSealed(String prefix, Class<?> sealedType) {
            Objects.requireNonNull(prefix, "prefix");
            Objects.requireNonNull(sealedType, "sealedType");
            if (prefix.isBlank()) {
                throw new IllegalArgumentException("type id prefix must not be blank, but was '" + prefix + "'");
            }
            if (!sealedType.isInterface() || !sealedType.isSealed()) {
                throw new IllegalArgumentException(sealedType.getName() + " is not a sealed interface; "
                        + "registerSealed walks the permitted records of a sealed interface, use register for one class");
            }
            var records = new LinkedHashSet<Class<?>>();
            collectRecords(sealedType, records);
            var ids = new LinkedHashMap<>(classesById);
            var classes = new HashMap<>(idsByClass);
            records.forEach(record -> {
                checkType(record);
                put(prefix + "." + record.getSimpleName(), record, ids, classes);
            });
            classesById.clear();
            classesById.putAll(ids);
            idsByClass.clear();
            idsByClass.putAll(classes);
        }

        /** Returns the registry of what was added so far; the builder stays usable. */
        TypeRegistry build() {
            return new TypeRegistry(classesById);
        }

        private static void collectRecords(Class<?> sealed, Set<Class<?>> records) {
            Class<?>[] permitted = sealed.getPermittedSubclasses();
            Arrays.sort(permitted, Comparator.comparing(Class::getName)); // deterministic error messages
            for (Class<?> sub : permitted) {
                if (sub.isRecord()) {
                    records.add(sub); // a record reached twice (through two interfaces) counts once
                } else if (sub.isInterface() && sub.isSealed()) {
                    collectRecords(sub, records);
                } else {
                    throw new IllegalArgumentException("sealed interface " + sealed.getName() + " permits "
                            + sub.getName() + ", which is neither a record nor a sealed interface; registerSealed "
                            + "walks records and sealed interfaces only, register the records below it one by one");
                }
            }
        }

        private void checkType(Class<?> type) {
            if (!type.isRecord()) {
                throw new IllegalArgumentException(type.getName() + " is not a record; register record classes, "
                        + "or registerSealed the sealed interface they implement");
            }
            requireReadable(type, reader);
        }

        private static void put(String typeId, Class<?> type, Map<String, Class<?>> ids, Map<Class<?>, String> classes) {
            if (typeId.isBlank()) {
                throw new IllegalArgumentException("type id must not be blank, but was '" + typeId + "' (for "
                        + type.getName() + ")");
            }
            Class<?> holder = ids.get(typeId);
            if (holder != null && holder != type) {
                throw new IllegalArgumentException("type id '" + typeId + "' is already registered for "
                        + holder.getName() + "; it cannot also name " + type.getName());
            }
            String existing = classes.get(type);
            if (existing != null && !existing.equals(typeId)) {
                throw new IllegalArgumentException(type.getName() + " is already registered as '" + existing
                        + "'; it cannot also be registered as '" + typeId + "'");
            }
            ids.put(typeId, type);
            classes.put(type, typeId);
        }
    }
}
