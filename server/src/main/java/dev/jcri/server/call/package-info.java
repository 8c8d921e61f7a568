/**
 * How one CRI call runs, apart from the transport that carries it: {@code CriCall} runs a unary or streaming handler,
 * holds the request to its limits and maps exceptions to gRPC statuses. Handlers ({@code rpc}) and transport
 * ({@code grpc}) both use it.
 */
package dev.jcri.server.call;
