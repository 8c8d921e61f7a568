/**
 * Layer tarballs to directories: the security boundary for untrusted archives (paths, links, devices, whiteouts,
 * xattrs, compression), refusing what would escape the layer's directory.
 */
package dev.jcri.image.unpack;
