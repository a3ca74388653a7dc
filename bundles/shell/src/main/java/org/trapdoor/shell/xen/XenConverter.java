package org.trapdoor.shell.xen;

import org.apache.felix.service.command.Converter;
import org.osgi.service.component.annotations.Component;

/** Lets Gogo render the Xen commands' results through {@link XenFormatter}. */
@Component(service = Converter.class)
public final class XenConverter implements Converter {
    @Override
    public Object convert(Class<?> desiredType, Object in) {
        return null;
    }

    @Override
    public CharSequence format(Object target, int level, Converter escape) {
        return XenFormatter.format(target, level);
    }
}
