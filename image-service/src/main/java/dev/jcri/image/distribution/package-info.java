/**
 * The client side of the OCI distribution API over java.net.http: manifests and blobs, bearer tokens and credentials,
 * digest-verified streams, the platform pick in an index. Named after the spec it speaks; {@code registryconfig} says
 * which registry to ask.
 */
package dev.jcri.image.distribution;
