package org.trapdoor.shell;

import java.util.List;

import org.trapdoor.api.memory.MemoryTransaction;

/**
 * A parsed {@code mem read ADDR [SIZE]} or {@code mem write ADDR VALUE [SIZE]}.
 *
 * @param value the value to write (0 for reads)
 */
public record MemRequest(boolean write, long address, int size, long value) {
    /** Access size when none is given: a 32-bit register access. */
    public static final int DEFAULT_SIZE = 4;

    /**
     * Parses the operation and its arguments.
     *
     * @throws IllegalArgumentException with a usage hint for a wrong operation, argument count,
     *                                  number, size, or a value that does not fit the size
     */
    public static MemRequest parse(String op, List<String> args) {
        switch (op == null ? "" : op) {
            case "read": {
                if (args.isEmpty() || args.size() > 2) {
                    throw new IllegalArgumentException("usage: mem read ADDR [SIZE]");
                }
                long addr = Numbers.parse(args.get(0), "address");
                int size = args.size() > 1 ? Numbers.size(args.get(1)) : DEFAULT_SIZE;
                return new MemRequest(false, addr, size, 0);
            }
            case "write": {
                if (args.size() < 2 || args.size() > 3) {
                    throw new IllegalArgumentException("usage: mem write ADDR VALUE [SIZE]");
                }
                long addr = Numbers.parse(args.get(0), "address");
                long value = Numbers.parse(args.get(1), "value");
                int size = args.size() > 2 ? Numbers.size(args.get(2)) : DEFAULT_SIZE;
                if (size < 8 && (value & ~MemoryTransaction.allOnes(size)) != 0) {
                    throw new IllegalArgumentException("value " + args.get(1) + " does not fit in " + size + " byte"
                            + (size == 1 ? "" : "s"));
                }
                return new MemRequest(true, addr, size, value);
            }
            default:
                throw new IllegalArgumentException("mem: unknown operation '" + op
                        + "'; usage: mem read ADDR [SIZE] | mem write ADDR VALUE [SIZE]");
        }
    }

    /** A fresh transaction for this request (slow path: the shell allocates). */
    public MemoryTransaction transaction() {
        MemoryTransaction tx = new MemoryTransaction();
        return write ? tx.write(address, size, value) : tx.read(address, size);
    }
}
