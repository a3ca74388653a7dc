package org.trapdoor.shell.irq;

import org.apache.felix.service.command.Converter;
import org.osgi.service.component.annotations.Component;

/**
 * Lets Gogo render the interrupt commands' results through {@link IrqFormatter}, as
 * {@code IommuConverter} does for the IOMMU commands: the shell's root package does not know its
 * command packages, so they may use its helpers without a package cycle.
 */
@Component(service = Converter.class)
public final class IrqConverter implements Converter {
    @Override
    public Object convert(Class<?> desiredType, Object in) {
        return null;
    }

    @Override
    public CharSequence format(Object target, int level, Converter escape) {
        return IrqFormatter.format(target, level);
    }
}
