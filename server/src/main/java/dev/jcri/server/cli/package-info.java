/**
 * The command line (picocli): serving, {@code check}, {@code play}, and printing or checking the configuration. Only options and
 * exit codes live here; the work is in {@code daemon}, {@code node}, {@code play} and {@code config}.
 */
package dev.jcri.server.cli;
