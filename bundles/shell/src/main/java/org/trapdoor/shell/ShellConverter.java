package org.trapdoor.shell;

import org.apache.felix.service.command.Converter;
import org.osgi.service.component.annotations.Component;

/** Lets Gogo render the shell's result objects through {@link ShellFormatter}. */
@Component(service = Converter.class)
public final class ShellConverter implements Converter {
    @Override
    public Object convert(Class<?> desiredType, Object in) {
        return null;
    }

    @Override
    public CharSequence format(Object target, int level, Converter escape) {
        return ShellFormatter.format(target, level);
    }
}
