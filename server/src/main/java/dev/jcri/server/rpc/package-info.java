/**
 * One handler class per CRI RPC, in subpackages by object (container, image, pod, runtime, stats), and the field
 * checks several of them share. Handlers convert CRI messages to domain types and back; they know no transport.
 */
package dev.jcri.server.rpc;
