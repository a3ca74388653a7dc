/**
 * The view from inside a Xen domain for the commands that take {@code --domain NAME}; depends on
 * the API only, so every command package may use it without a cycle.
 */
package org.trapdoor.shell.domain;
