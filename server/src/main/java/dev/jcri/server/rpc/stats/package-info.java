/**
 * The stats and metrics RPCs for containers and pods, and the conversion of the domain's samples to CRI stats
 * ({@code CriStats}) and cAdvisor-style metrics ({@code CadvisorMetrics}).
 */
package dev.jcri.server.rpc.stats;
