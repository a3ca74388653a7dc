package org.trapdoor.shell.iommu;

import org.apache.felix.service.command.Converter;
import org.osgi.service.component.annotations.Component;

/** Lets Gogo render the IOMMU commands' results through {@link IommuFormatter}. */
@Component(service = Converter.class)
public final class IommuConverter implements Converter {
    @Override
    public Object convert(Class<?> desiredType, Object in) {
        return null;
    }

    @Override
    public CharSequence format(Object target, int level, Converter escape) {
        return IommuFormatter.format(target, level);
    }
}
