package org.trapdoor.shell.attack;

/** {@code audit --html FILE}: where the page went, and the matrix it shows. */
public record AuditFile(String path, AuditMatrix matrix) {
}
