package org.trapdoor.hw.gicv3.its;

/**
 * Everything of an ITS that is not in guest memory: its registers. A re-bound ITS restores
 * these and finds its Device Table, Collection Table, ITTs and command queue where the guest
 * left them.
 *
 * @param creadr CREADR including bit 0 (Stalled)
 * @param baser  GITS_BASER0..7
 */
public record ItsState(int ctlr, long cbaser, long cwriter, long creadr, long[] baser) {
    public ItsState {
        baser = baser.clone();
    }

    @Override
    public long[] baser() {
        return baser.clone();
    }
}
