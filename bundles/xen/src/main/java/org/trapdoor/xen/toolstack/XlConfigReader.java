package org.trapdoor.xen.toolstack;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import org.trapdoor.api.hypervisor.DomainConfig;
import org.trapdoor.api.hypervisor.PciSpec;

/**
 * Turns a parsed configuration file into a {@link DomainConfig} as xl's
 * {@code parse_config_data} does for the keys the model acts on: {@code name} (required),
 * {@code memory} in MiB (libxl's default 32), {@code vcpus} (below 1 taken as 1, as xl does),
 * {@code pci} with the {@code pci_permissive} and {@code pci_seize} defaults applied before each
 * spec string (so a spec's own key wins), {@code pci_msitranslate} and {@code pci_power_mgmt}
 * checked and dropped (no effect on Arm).
 *
 * <p>xl ignores a key it does not know; this refuses it, naming the line, because in a model
 * with so few keys a misspelt {@code pci} or {@code memory} would otherwise go unnoticed. Keys of
 * xl.cfg(5) that only concern what the model does not have (a kernel image, a command line, what
 * to do on a crash) are accepted and have no effect: a real guest's file still reads.
 */
public final class XlConfigReader {
    /** Keys read into the {@link DomainConfig}. */
    static final Set<String> READ = Set.of("name", "memory", "vcpus", "pci", "pci_permissive", "pci_seize",
            "pci_msitranslate", "pci_power_mgmt");

    /**
     * xl.cfg(5) keys accepted without effect: the model boots its own kernel model in every
     * domain, so image, command line and life-cycle actions have nothing to act on.
     */
    static final Set<String> NO_EFFECT = Set.of("kernel", "ramdisk", "extra", "cmdline", "root", "type",
            "device_tree", "uuid", "maxmem", "maxvcpus", "on_poweroff", "on_reboot", "on_crash",
            "on_watchdog", "on_soft_reset", "vuart", "gic_version", "tee", "driver_domain", "passthrough");

    /** libxl's default {@code max_memkb} when neither {@code memory} nor {@code maxmem} is set. */
    static final long DEFAULT_MEMORY_MIB = 32;
    /** Arm's {@code GUEST_MAX_VCPUS}. */
    static final long MAX_VCPUS = 128;
    /** The largest {@code memory} whose KiB still fit xl's {@code uint64_t target_memkb} without overflow here. */
    static final long MAX_MEMORY_MIB = Long.MAX_VALUE >> 20;

    private XlConfigReader() {
    }

    /** Parses and reads {@code text}; {@code source} names the file in messages. */
    public static DomainConfig read(String source, String text) {
        return read(XlConfigParser.parse(source, text));
    }

    public static DomainConfig read(XlSettings cfg) {
        for (String key : cfg.names()) {
            if (!READ.contains(key) && !NO_EFFECT.contains(key)) {
                throw cfg.error(cfg.line(key), "unknown parameter `" + key + "'");
            }
        }
        String name = cfg.string("name").orElseThrow(() -> new XlConfigException(
                cfg.source() + ": Domain name must be specified."));
        if (name.isBlank()) {
            throw cfg.error(cfg.line("name"), "Domain name must be specified.");
        }
        long memory = cfg.number("memory", 1, MAX_MEMORY_MIB).orElse(DEFAULT_MEMORY_MIB);
        long vcpus = Math.max(1, cfg.number("vcpus", Long.MIN_VALUE, MAX_VCPUS).orElse(1L));
        PciSpecParser.Defaults defaults = new PciSpecParser.Defaults(flag(cfg, "pci_permissive"),
                flag(cfg, "pci_seize"));
        flag(cfg, "pci_msitranslate");
        flag(cfg, "pci_power_mgmt");
        List<PciSpec> pci = new ArrayList<>();
        XlValue.ListValue list = cfg.list("pci").orElse(null);
        if (list != null) {
            for (int i = 0; i < list.items().size(); i++) {
                XlValue item = list.items().get(i);
                if (!(item instanceof XlValue.Atom a)) {
                    throw cfg.error(item.line(), "pci: element " + i + " is a list, not a PCI_SPEC_STRING");
                }
                try {
                    pci.add(PciSpecParser.parse(a.text(), defaults));
                } catch (IllegalArgumentException e) {
                    throw cfg.error(item.line(), "unable to parse PCI_SPEC_STRING `" + a.text()
                            + "' for passthrough: " + e.getMessage());
                }
            }
        }
        return new DomainConfig(name, memory, (int) vcpus, pci);
    }

    private static boolean flag(XlSettings cfg, String key) {
        return cfg.number(key, Long.MIN_VALUE, Long.MAX_VALUE).orElse(0L) != 0;
    }
}
