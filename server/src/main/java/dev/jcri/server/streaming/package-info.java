/**
 * The streaming server kubelet's exec, attach and port-forward URLs point to: one HTTP listener (TLS by config) that
 * redeems a token and hands the upgraded connection to the session for its protocol.
 */
package dev.jcri.server.streaming;
