/**
 * The node configuration: one documented schema of keys, loaded from defaults, the main TOML file, drop-ins and flags,
 * each file checked on its own so an error names it.
 */
package dev.jcri.server.config;
