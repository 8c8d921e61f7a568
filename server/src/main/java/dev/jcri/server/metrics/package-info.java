/**
 * Prometheus metrics and the HTTP server for /metrics and /healthz: per-RPC codes and durations, pulls, CNI timings,
 * OOM kills, and object counts read at scrape time.
 */
package dev.jcri.server.metrics;
