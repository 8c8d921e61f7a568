#!/bin/sh
# Prints the jcri(8) manual page (roff) for version $1.
cat <<ROFF
.TH JCRI 8 "" "jcri $1" "System Administration"
.SH NAME
jcri \- Kubernetes container runtime (CRI) in Java
.SH SYNOPSIS
.B jcri
.RI [ options ]
.br
.B jcri config
.RI [ options ]
.br
.B jcri check
.RI [ options ]
.SH DESCRIPTION
.B jcri
serves the Kubernetes Container Runtime Interface (CRI runtime.v1) on a unix socket,
.I /run/jcri/jcri.sock
by default, for kubelet and crictl. It runs containers with crun (or runc) under conmon,
networks pods with CNI plugins and keeps images in an overlayfs layer store.
It normally runs as the systemd service
.BR jcri.service .
.PP
.B jcri config
prints the effective configuration as commented TOML;
.B jcri check
reports what the node lacks, with the fix.
.B jcri \-\-help
lists every option.
.SH FILES
.TP
.I /etc/jcri/jcri.toml, /etc/jcri/jcri.d/*.toml
configuration; drop-ins override it in name order, flags override both
.TP
.I /var/lib/jcri
images, pod and container records
.TP
.I /run/jcri
the socket and runtime state
.SH SIGNALS
SIGTERM and SIGINT stop jcri in order (containers keep running); SIGHUP re-reads the registries configuration.
.SH SEE ALSO
.BR crictl (1),
.BR systemctl (1),
/usr/share/doc/jcri/README.md
ROFF
