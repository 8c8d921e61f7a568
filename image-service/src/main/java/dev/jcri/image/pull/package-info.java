/**
 * PullImage: resolves a reference through the registry rules, fetches the manifest and config, and downloads each
 * missing layer once however many pulls want it ({@code LayerFetches}), unpacking into the store.
 */
package dev.jcri.image.pull;
