package org.trapdoor.attack;

import org.trapdoor.api.hypervisor.Hypervisor;
import org.trapdoor.api.machine.Machine;
import org.trapdoor.api.machine.MachineInterrupts;

/**
 * What the attacks run on: the hypervisor (its domains and their address spaces, its interrupt
 * ledger), and the machine (host memory, device registers and the MSI ledger) that the observer
 * reads to judge them.
 */
record Platform(Hypervisor hv, Machine machine, MachineInterrupts irqs) {
}
