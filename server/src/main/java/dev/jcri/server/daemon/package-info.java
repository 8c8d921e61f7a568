/**
 * The running daemon: startup, state-dir locks, the CRI socket, signals, and {@code NodeServices}, the one place that
 * builds the domain objects and hands them to the handlers.
 */
package dev.jcri.server.daemon;
