/**
 * What an Exec, Attach or PortForward call asked for, kept under a single-use token until the client connects. The rpc
 * handlers put requests in; the streaming server redeems them.
 */
package dev.jcri.server.streaming.request;
