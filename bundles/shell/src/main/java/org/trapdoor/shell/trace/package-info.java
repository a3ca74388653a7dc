/**
 * The tracing commands: {@code trace} (the points, their switches, the ring, the file), {@code swaps}
 * (what each bind, unbind and swap cost) and the follow of one transaction ({@link Follower}, behind
 * {@code msi follow} and {@code dma follow}). Depends on {@code shell.command} and the API only.
 */
package org.trapdoor.shell.trace;
