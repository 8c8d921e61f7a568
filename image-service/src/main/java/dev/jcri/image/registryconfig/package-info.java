/**
 * The node's registry rules, read from a registries.conf (v2) file: which registries are blocked or insecure, their
 * mirrors and short-name search list. Named for what it is, a configuration, apart from {@code distribution}, the
 * client that talks to a registry.
 */
package dev.jcri.image.registryconfig;
