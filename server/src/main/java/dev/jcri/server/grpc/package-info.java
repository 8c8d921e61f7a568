/**
 * The gRPC transport: the Netty server on the unix socket, the two service endpoints that route each method to its
 * handler, malformed-request handling, the RPC log, the trailer size limit, and which calls run on the transport
 * thread.
 */
package dev.jcri.server.grpc;
