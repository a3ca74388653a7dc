package org.trapdoor.shell.trace;

import org.apache.felix.service.command.Converter;
import org.osgi.service.component.annotations.Component;

/** Lets Gogo render the tracing commands' results through {@link TraceFormatter}. */
@Component(service = Converter.class)
public final class TraceConverter implements Converter {
    @Override
    public Object convert(Class<?> desiredType, Object in) {
        return null;
    }

    @Override
    public CharSequence format(Object target, int level, Converter escape) {
        return TraceFormatter.format(target, level);
    }
}
