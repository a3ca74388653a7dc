package org.trapdoor.xen.toolstack;

import java.util.List;

import org.osgi.service.component.annotations.Component;
import org.trapdoor.api.hypervisor.Domain;
import org.trapdoor.api.hypervisor.DomainConfig;
import org.trapdoor.api.hypervisor.PciSpec;
import org.trapdoor.api.hypervisor.Toolstack;

/** The {@link Toolstack} service: xl's configuration reader, spec-string parser and listings. */
@Component(service = Toolstack.class)
public final class XlToolstack implements Toolstack {
    @Override
    public DomainConfig readConfig(String source, String text) {
        return XlConfigReader.read(source, text);
    }

    /** As {@code xl pci-attach} reports a spec it cannot read ({@code main_pciattach}), with the reason. */
    @Override
    public PciSpec parsePciSpec(String spec) {
        try {
            return PciSpecParser.parse(spec, PciSpecParser.Defaults.NONE);
        } catch (IllegalArgumentException e) {
            throw new XlConfigException("malformed PCI_SPEC_STRING \"" + spec + "\": " + e.getMessage());
        }
    }

    /** As {@code xl pci-assignable-add} reports a BDF it cannot read, with the reason. */
    @Override
    public PciSpec parseBdf(String bdf) {
        try {
            return PciSpecParser.parseBdf(bdf);
        } catch (IllegalArgumentException e) {
            throw new XlConfigException("malformed BDF \"" + bdf + "\": " + e.getMessage());
        }
    }

    @Override
    public String list(List<Domain> domains) {
        return XlFormats.list(domains);
    }

    @Override
    public String pciList(Domain domain) {
        return XlFormats.pciList(domain);
    }

    @Override
    public String assignableList(List<String> bdfs) {
        return XlFormats.assignableList(bdfs);
    }

    @Override
    public String dmesg(List<String> console) {
        return XlFormats.dmesg(console);
    }
}
