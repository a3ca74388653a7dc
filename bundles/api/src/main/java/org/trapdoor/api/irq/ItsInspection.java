package org.trapdoor.api.irq;

import java.util.List;

/**
 * What an ITS looks like at one moment: its control registers, command queue, the tables its
 * GITS_BASERn describe and the valid entries software put in them.
 *
 * @param node        the ITS node's device-tree path
 * @param enabled     GITS_CTLR.Enabled
 * @param quiescent   GITS_CTLR.Quiescent
 * @param typer       GITS_TYPER
 * @param queue       the command queue (GITS_CBASER, CWRITER, CREADR)
 * @param tables      GITS_BASER0..7, decoded
 * @param devices     valid Device Table entries, by DeviceID, each with its valid ITT entries
 * @param collections valid Collection Table entries, by ICID
 * @param truncated   true when the walk stopped early (more entries than a listing shows)
 * @param problems    why parts of the tables could not be read (outside RAM); empty when none
 */
public record ItsInspection(String node, boolean enabled, boolean quiescent, long typer, CommandQueue queue,
        List<Table> tables, List<DeviceEntry> devices, List<CollectionEntry> collections, boolean truncated,
        List<String> problems) {

    public ItsInspection {
        tables = List.copyOf(tables);
        devices = List.copyOf(devices);
        collections = List.copyOf(collections);
        problems = List.copyOf(problems);
    }

    /**
     * The command queue.
     *
     * @param cbaser    GITS_CBASER as read
     * @param valid     CBASER.Valid
     * @param base      physical address of the queue
     * @param size      bytes ((CBASER.Size + 1) * 4 KiB)
     * @param cwriter   GITS_CWRITER offset
     * @param creadr    GITS_CREADR offset (without Stalled)
     * @param stalled   GITS_CREADR.Stalled
     * @param processed commands executed since the model was created
     * @param errors    commands skipped for bad parameters
     * @param unknown   commands skipped for an unknown opcode
     * @param overruns  CWRITER writes beyond the queue
     * @param stalls    times the queue stalled on a memory error
     */
    public record CommandQueue(long cbaser, boolean valid, long base, long size, long cwriter, long creadr,
            boolean stalled, long processed, long errors, long unknown, long overruns, long stalls) {
        /** Commands written but not yet consumed. */
        public long pending() {
            if (!valid || size == 0) {
                return 0;
            }
            return Math.floorMod(cwriter - creadr, size) / 32;
        }
    }

    /**
     * One GITS_BASERn.
     *
     * @param index     n
     * @param baser     the register as read
     * @param type      the table type field (0 unimplemented, 1 devices, 4 collections, ...)
     * @param valid     BASER.Valid
     * @param indirect  BASER.Indirect (two-level)
     * @param base      physical address of the (level-1) table
     * @param pageSize  4, 16 or 64 KiB
     * @param pages     BASER.Size + 1
     * @param entrySize bytes per entry
     * @param ids       IDs the table can hold as configured (capped by the ID width); 0 when not valid
     */
    public record Table(int index, long baser, int type, boolean valid, boolean indirect, long base, int pageSize,
            long pages, int entrySize, long ids) {
        /** The type's name in the architecture's words. */
        public String typeName() {
            return switch (type) {
                case 0 -> "unimplemented";
                case 1 -> "devices";
                case 2 -> "vPEs";
                case 4 -> "collections";
                default -> "type " + type;
            };
        }
    }

    /**
     * One valid Device Table entry.
     *
     * @param deviceId    the DeviceID
     * @param eventIdBits EventIDs the device may send: 2^eventIdBits
     * @param itt         physical address of its Interrupt Translation Table
     * @param events      the valid ITT entries, by EventID
     */
    public record DeviceEntry(int deviceId, int eventIdBits, long itt, List<EventEntry> events) {
        public DeviceEntry {
            events = List.copyOf(events);
        }
    }

    /** One valid ITT entry: EventID to LPI, in collection {@code icid}. */
    public record EventEntry(int eventId, int intid, int icid) {
    }

    /** One valid Collection Table entry: collection {@code icid} targets redistributor {@code target}. */
    public record CollectionEntry(int icid, int target) {
    }
}
