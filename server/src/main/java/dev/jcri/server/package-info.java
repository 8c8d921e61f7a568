/**
 * The jcri daemon: the CRI over gRPC, the streaming server, metrics, configuration and the command line. Its
 * subpackages turn CRI calls into calls on the domain modules; nothing depends on this module.
 */
package dev.jcri.server;
