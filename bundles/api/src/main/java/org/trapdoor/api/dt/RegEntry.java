package org.trapdoor.api.dt;

/**
 * One {@code reg} entry translated to a CPU physical address through the parents' {@code ranges}.
 *
 * @param name the matching {@code reg-names} entry, or {@code null}
 */
public record RegEntry(long address, long size, String name) {
    public long end() {
        return address + size;
    }

    @Override
    public String toString() {
        return String.format("0x%x+0x%x", address, size);
    }
}
