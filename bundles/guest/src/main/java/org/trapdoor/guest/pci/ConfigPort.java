package org.trapdoor.guest.pci;

/** Config-space access to one function (ECAM CPU loads and stores, as the PCI core does them). */
public interface ConfigPort {
    int read(int offset, int size);

    void write(int offset, int size, int value);
}
