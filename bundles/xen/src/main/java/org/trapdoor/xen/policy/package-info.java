/** Xen's pluggable policies: which implementation of each kind is in force, and the fallback when one goes away. */
package org.trapdoor.xen.policy;
