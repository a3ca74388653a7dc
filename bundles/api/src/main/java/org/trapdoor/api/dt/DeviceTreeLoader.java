package org.trapdoor.api.dt;

import java.nio.file.Path;

import org.osgi.annotation.versioning.ProviderType;

/** Reads and writes device trees: DTB (FDT v17) and DTS. Provided by the device-tree bundle. */
@ProviderType
public interface DeviceTreeLoader {
    /** Loads a {@code .dtb} or {@code .dts} file (by content: a DTB starts with the FDT magic). */
    DeviceTree load(Path file);

    /** Parses DTS source; {@code sourceName} is used in error messages. */
    DeviceTree parseDts(String source, String sourceName);

    /** Parses a flattened device tree blob. */
    DeviceTree parseDtb(byte[] blob, String sourceName);

    /** DTS text that {@code dtc} compiles back to the same tree. */
    String toDts(DeviceTree tree);

    /** A flattened device tree blob, version 17. */
    byte[] toDtb(DeviceTree tree);
}
