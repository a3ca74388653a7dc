package org.trapdoor.api.machine;

/**
 * What one change of a node's model cost: a bind (unbound to a model), an unbind (a model to
 * none) or a swap (one model to another).
 *
 * @param node       the node's path
 * @param kind       {@code bind}, {@code unbind} or {@code swap}
 * @param from       the driver replaced, or {@code null}
 * @param to         the driver bound now, or {@code null}
 * @param startNanos {@code System.nanoTime()} when the change began
 * @param totalNanos the whole change: model created, state handed over, published, drained,
 *                   the old model closed
 * @param stallNanos the time traffic was held at the machine's gate for it: from publishing the
 *                   new model until the last transaction that could still hold the old one left
 *                   (the drain). A transaction is never blocked by the gate; this is how long a
 *                   transaction already in flight may still be served by the old model, and how
 *                   long the swap waits for it.
 */
public record SwapRecord(String node, String kind, String from, String to, long startNanos, long totalNanos,
        long stallNanos) {
}
