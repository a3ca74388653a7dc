package org.trapdoor.shell.lspci;

import java.util.ArrayList;
import java.util.List;

/** {@code lspci -t}, as pciutils' {@code ls-tree.c} draws it. */
final class PciTree {
    private final LspciOptions opt;

    PciTree(LspciOptions opt) {
        this.opt = opt;
    }

    /** {@code show_forest}: each PCI domain's root bus, bridges expanded to their secondary buses. */
    String draw(List<ConfigImage> functions) {
        List<int[]> roots = new ArrayList<>();
        for (ConfigImage f : functions) {
            if (!isBehindBridge(functions, f)) {
                int[] key = {f.segment(), f.bus()};
                if (roots.stream().noneMatch(r -> r[0] == key[0] && r[1] == key[1])) {
                    roots.add(key);
                }
            }
        }
        // pciutils' tree always starts with bus 0000:00 of its host bridge, empty or not.
        if (roots.stream().noneMatch(r -> r[0] == 0 && r[1] == 0)) {
            roots.add(0, new int[] {0, 0});
        }
        StringBuilder out = new StringBuilder();
        StringBuilder line = new StringBuilder();
        line.append('-');
        if (roots.size() == 1) {
            line.append(String.format("[%04x:%02x]-", roots.get(0)[0], roots.get(0)[1]));
            treeBus(out, line, functions, roots.get(0)[0], roots.get(0)[1]);
        } else {
            int base = line.length();
            for (int i = 0; i < roots.size(); i++) {
                line.setLength(base);
                line.append(String.format("%c-[%04x:%02x]-", i == roots.size() - 1 ? '\\' : '+', roots.get(i)[0],
                        roots.get(i)[1]));
                treeBus(out, line, functions, roots.get(i)[0], roots.get(i)[1]);
            }
        }
        return out.toString();
    }

    private static boolean isBehindBridge(List<ConfigImage> all, ConfigImage f) {
        for (ConfigImage b : all) {
            if (b != f && b.segment() == f.segment() && b.headerType() == 1 && b.u8(0x19) != 0
                    && f.bus() >= b.u8(0x19) && f.bus() <= b.u8(0x1a)) {
                return true;
            }
        }
        return false;
    }

    /** Prints the line, then blanks it for continuation lines: only vertical bars stay. */
    private static void printIt(StringBuilder out, StringBuilder line) {
        out.append(line).append('\n');
        for (int i = 0; i < line.length(); i++) {
            char c = line.charAt(i);
            line.setCharAt(i, c == '+' || c == '|' ? '|' : ' ');
        }
    }

    private void treeBus(StringBuilder out, StringBuilder line, List<ConfigImage> all, int segment, int bus) {
        List<ConfigImage> devs = new ArrayList<>();
        for (ConfigImage f : all) {
            if (f.segment() == segment && f.bus() == bus) {
                devs.add(f);
            }
        }
        int p = line.length();
        if (devs.isEmpty()) {
            printIt(out, line);
        } else if (devs.size() == 1) {
            line.append("--");
            treeDev(out, line, all, devs.get(0));
        } else {
            for (int i = 0; i < devs.size(); i++) {
                line.setLength(p);
                line.append(i == devs.size() - 1 ? "\\-" : "+-");
                treeDev(out, line, all, devs.get(i));
            }
        }
    }

    private void treeDev(StringBuilder out, StringBuilder line, List<ConfigImage> all, ConfigImage d) {
        line.append(String.format("%02x.%x", d.slot(), d.function()));
        if (d.headerType() == 1 && d.u8(0x19) != 0) {
            int sec = d.u8(0x19);
            int sub = d.u8(0x1a);
            line.append(sec == sub ? String.format("-[%02x]-", sec) : String.format("-[%02x-%02x]-", sec, sub));
            // show_tree_bridge's own leading dash
            line.append('-');
            treeBus(out, line, all, d.segment(), sec);
            return;
        }
        if (opt.verbose() > 0) {
            line.append("  ").append(PciNames.device(d.vendorId(), d.deviceId(), opt.numeric()));
        }
        printIt(out, line);
    }
}
