/**
 * Named trace points, QEMU's {@code trace-events} idea: a model declares one {@link TraceEvent}
 * per event with its named fields, asks the machine's {@link Tracing} for the live
 * {@link TracePoint} once (when it is bound), and on its hot path writes
 * {@code if (p.on()) p.emit(a, b, c);}. While every point is off that guard is a constant the
 * JIT folds away (see {@link TracePoint}); with some on, one volatile read and a branch: no
 * allocation, no boxing, no call. On, a record of longs goes into the machine's bounded ring,
 * which commands and tests read as {@link TraceRecord}s. SLF4J stays for logs; trace records are
 * data. The bottom of the API's layers: it depends on no other API package.
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.0.1")
package org.trapdoor.api.trace;
