/**
 * The binding contract between device-tree nodes and hardware bundles: the driver service, what
 * it is given to bind a node, and its refusal. The models it creates are {@code api.model}.
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("2.1.0")
package org.trapdoor.api.platform;
