package org.llmgine.bus.internal;

import java.lang.reflect.ParameterizedType;
import java.lang.reflect.Type;
import org.llmgine.bus.message.Command;

/**
 * Tells whether a command class declares {@code Command<Void>}, whose handler returns null and
 * whose success is {@code CommandResult.done()}. Read once per class from its generic signature
 * (public metadata of the class; no access into its module) and cached.
 */
final class ResultTypes {

    private static final ClassValue<Boolean> VOID = new ClassValue<>() {
        @Override
        protected Boolean computeValue(Class<?> type) {
            return declaresVoid(type);
        }
    };

    private ResultTypes() {
    }

    static boolean isVoid(Class<?> commandType) {
        return VOID.get(commandType);
    }

    private static boolean declaresVoid(Class<?> type) {
        for (Class<?> c = type; c != null && c != Object.class; c = c.getSuperclass()) {
            for (Type each : c.getGenericInterfaces()) {
                if (isVoidCommand(each)) {
                    return true;
                }
            }
            if (isVoidCommand(c.getGenericSuperclass())) {
                return true;
            }
        }
        return false;
    }

    private static boolean isVoidCommand(Type type) {
        if (type instanceof ParameterizedType parameterized) {
            Type raw = parameterized.getRawType();
            if (raw instanceof Class<?> rawClass && Command.class.isAssignableFrom(rawClass)) {
                Type[] args = parameterized.getActualTypeArguments();
                if (rawClass == Command.class) {
                    return args.length == 1 && args[0] == Void.class;
                }
                // An interface that extends Command, such as ApprovalCommand<Void>: its one type argument is R.
                return args.length == 1 && args[0] == Void.class && rawClass.getTypeParameters().length == 1;
            }
        }
        if (type instanceof Class<?> plain && plain.isInterface() && Command.class.isAssignableFrom(plain)
                && plain != Command.class) {
            for (Type each : plain.getGenericInterfaces()) {
                if (isVoidCommand(each)) {
                    return true;
                }
            }
        }
        return false;
    }
}
