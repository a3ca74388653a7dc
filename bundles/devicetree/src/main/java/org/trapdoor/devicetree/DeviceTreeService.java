package org.trapdoor.devicetree;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import org.osgi.service.component.annotations.Component;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.trapdoor.api.dt.DeviceTree;
import org.trapdoor.api.dt.DeviceTreeException;
import org.trapdoor.api.dt.DeviceTreeLoader;

/** The device-tree service: DTB and DTS in, DTB and DTS out. Stateless, so one instance serves all. */
@Component(service = DeviceTreeLoader.class)
public final class DeviceTreeService implements DeviceTreeLoader {
    private static final Logger LOG = LoggerFactory.getLogger(DeviceTreeService.class);

    @Override
    public DeviceTree load(Path file) {
        byte[] data;
        try {
            data = Files.readAllBytes(file);
        } catch (IOException e) {
            throw new DeviceTreeException(file + ": cannot read: " + e, e);
        }
        String name = file.toString();
        DeviceTree tree = looksBinary(data) ? parseDtb(data, name) : parseDts(decode(data, name), name);
        LOG.debug("loaded {}: {} nodes", name, tree.nodes().size());
        return tree;
    }

    /** A DTB by its magic; also a blob that is clearly not text, so a corrupt DTB says so. */
    private static boolean looksBinary(byte[] data) {
        if (DtbReader.looksLikeDtb(data)) {
            return true;
        }
        for (int i = 0; i < Math.min(data.length, 64); i++) {
            if (data[i] == 0) {
                return true;
            }
        }
        return false;
    }

    private static String decode(byte[] data, String name) {
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(data)).toString();
        } catch (CharacterCodingException e) {
            throw new DeviceTreeException(name + ": neither a DTB (no FDT magic) nor UTF-8 DTS text");
        }
    }

    @Override
    public DeviceTree parseDts(String source, String sourceName) {
        return new DtsReader(source, sourceName).read();
    }

    @Override
    public DeviceTree parseDtb(byte[] blob, String sourceName) {
        return new DtbReader(blob, sourceName).read();
    }

    @Override
    public String toDts(DeviceTree tree) {
        return new DtsWriter().write(tree);
    }

    @Override
    public byte[] toDtb(DeviceTree tree) {
        return new DtbWriter().write(tree);
    }
}
