/**
 * What pods and containers share: records on disk ({@code RecordStore}), undo of multi-step creates
 * ({@code Rollback}), startup recovery, retried creates, and the test-only crash points; the subpackages hold pods,
 * containers and their host resources.
 */
package dev.jcri.sandbox;
