/**
 * The command line (picocli): serving, {@code check}, and printing or checking the configuration. Only options and
 * exit codes live here; the work is in {@code daemon}, {@code node} and {@code config}.
 */
package dev.jcri.server.cli;
