/**
 * Image names and content addresses: docker-style references ({@code ImageReference}, Docker Hub's defaults) and
 * {@code Digest}. The subpackages configure registries, talk to them, unpack layers, store images and pull them.
 */
package dev.jcri.image;
