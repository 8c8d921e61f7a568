/**
 * {@code jcri check}: the host prerequisites of a working node, each reported as ok, missing (with the fix) or a note,
 * without changing anything.
 */
package dev.jcri.server.node;
