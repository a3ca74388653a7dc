package org.trapdoor.shell.command;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A PCI function as every command takes it: {@code DD.F} (bus 0), {@code BB:DD.F} or
 * {@code DDDD:BB:DD.F}, in hex, the forms {@code lspci -s} takes without wildcards. Printed as
 * lspci prints it: {@code BB:DD.F}, with the domain in front when it is not 0.
 *
 * @param segment the PCI domain, or -1 when the text gave none (domain 0 where one is needed)
 */
public record Bdf(int segment, int bus, int device, int function) {
    private static final Pattern FORM = Pattern.compile("(?:(?:([0-9a-fA-F]{1,4}):)?([0-9a-fA-F]{1,2}):)?"
            + "([0-9a-fA-F]{1,2})\\.([0-7])");

    /** The forms, for messages. */
    public static final String FORMS = "DD.F, BB:DD.F or DDDD:BB:DD.F as lspci shows it";

    /**
     * @param what what the text is, for the message ({@code "device"})
     * @throws IllegalArgumentException naming the text and the forms taken
     */
    public static Bdf parse(String text, String what) {
        String t = text == null ? "" : text.strip();
        Matcher m = FORM.matcher(t);
        if (!m.matches()) {
            throw new IllegalArgumentException(what + " '" + text + "' is not a PCI function (give " + FORMS + ")");
        }
        int device = Integer.parseInt(m.group(3), 16);
        if (device > 31) {
            throw new IllegalArgumentException(what + " '" + text + "': slot " + m.group(3) + " is beyond 1f");
        }
        return new Bdf(m.group(1) == null ? -1 : Integer.parseInt(m.group(1), 16),
                m.group(2) == null ? 0 : Integer.parseInt(m.group(2), 16), device, Integer.parseInt(m.group(4)));
    }

    /** The PCI requester ID: bus, device and function. */
    public int requesterId() {
        return bus << 8 | device << 3 | function;
    }

    /** {@code DDDD:BB:DD.F}, domain 0 when none was given. */
    public String full() {
        return String.format("%04x:%02x:%02x.%x", Math.max(segment, 0), bus, device, function);
    }

    /** As lspci prints it: {@code BB:DD.F}, with {@code DDDD:} when the domain is not 0. */
    @Override
    public String toString() {
        String f = String.format("%02x:%02x.%x", bus, device, function);
        return segment > 0 ? String.format("%04x:", segment) + f : f;
    }

    /**
     * A function the guest or the machine names in its own form ({@code 0000:00:01.0}), printed
     * as lspci prints it; text that is not a function, or that starts with one ({@code
     * "0000:00:01.0 MSI-X 0"}), keeps the rest as it is.
     */
    public static String printed(String text) {
        if (text == null) {
            return null;
        }
        int space = text.indexOf(' ');
        String head = space < 0 ? text : text.substring(0, space);
        Matcher m = FORM.matcher(head);
        if (!m.matches() || Integer.parseInt(m.group(3), 16) > 31) {
            return text;
        }
        return parse(head, "function") + (space < 0 ? "" : text.substring(space));
    }

    private static final Pattern FULL_IN_TEXT = Pattern.compile("\\b[0-9a-fA-F]{4}:[0-9a-fA-F]{2}:[0-9a-fA-F]{2}\\.[0-7]\\b");

    /**
     * A message from the guest or the machine with every function it names in the full form
     * ({@code 0000:00:01.0: length ...}) printed as lspci prints it ({@code 00:01.0: length ...}).
     */
    public static String inMessage(String text) {
        if (text == null) {
            return null;
        }
        Matcher m = FULL_IN_TEXT.matcher(text);
        StringBuilder sb = new StringBuilder();
        while (m.find()) {
            boolean slot = Integer.parseInt(m.group().substring(8, 10), 16) <= 31;
            m.appendReplacement(sb, Matcher.quoteReplacement(slot ? parse(m.group(), "function").toString() : m.group()));
        }
        m.appendTail(sb);
        return sb.toString();
    }
}
