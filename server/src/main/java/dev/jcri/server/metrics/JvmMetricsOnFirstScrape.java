package dev.jcri.server.metrics;

import io.prometheus.metrics.instrumentation.jvm.JvmMetrics;
import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;

/**
 * The JVM's own metrics (memory, GC, threads, classes), set up when /metrics is first scraped: they read the
 * platform MXBeans, whose set-up loads JMX and JFR management classes (some 400 classes, ~0.4 s of a start and a
 * few MB of metaspace) that a node nobody scrapes never needs.
 */
final class JvmMetricsOnFirstScrape implements MultiCollector {
    private volatile PrometheusRegistry jvm;

    @Override
    public MetricSnapshots collect() {
        PrometheusRegistry registry = jvm;
        if (registry == null) {
            synchronized (this) {
                registry = jvm;
                if (registry == null) {
                    registry = new PrometheusRegistry();
                    JvmMetrics.builder().register(registry);
                    jvm = registry;
                }
            }
        }
        return registry.scrape();
    }
}
