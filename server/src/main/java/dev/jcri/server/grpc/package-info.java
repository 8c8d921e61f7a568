/**
 * The gRPC transport: the Netty server on the unix socket, the two service endpoints that route each method to its
 * handler, malformed-request handling, the RPC log and the trailer size limit.
 */
package dev.jcri.server.grpc;
