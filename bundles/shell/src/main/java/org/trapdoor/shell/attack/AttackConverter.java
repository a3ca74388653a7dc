package org.trapdoor.shell.attack;

import org.apache.felix.service.command.Converter;
import org.osgi.service.component.annotations.Component;

/** Lets Gogo render the attack commands' results through {@link AttackFormatter}. */
@Component(service = Converter.class)
public final class AttackConverter implements Converter {
    @Override
    public Object convert(Class<?> desiredType, Object in) {
        return null;
    }

    @Override
    public CharSequence format(Object target, int level, Converter escape) {
        return AttackFormatter.format(target, level);
    }
}
