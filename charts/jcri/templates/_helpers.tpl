{{/* The name of the chart's objects: the release name, with "jcri" added unless it already holds it. */}}
{{- define "jcri.fullname" -}}
{{- if contains "jcri" .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-jcri" .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "jcri.labels" -}}
app.kubernetes.io/name: jcri
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
{{- end -}}

{{- define "jcri.selectorLabels" -}}
app.kubernetes.io/name: jcri
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: installer
{{- end -}}

{{- define "jcri.image" -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) -}}
{{- end -}}

{{/* Whether the ServiceMonitor is rendered: its flag, and the Prometheus operator's CRD (or the check skipped). */}}
{{- define "jcri.serviceMonitor" -}}
{{- $sm := .Values.metrics.serviceMonitor -}}
{{- if and .Values.metrics.enabled $sm.enabled (or $sm.skipCrdCheck (.Capabilities.APIVersions.Has "monitoring.coreos.com/v1/ServiceMonitor")) -}}
true
{{- end -}}
{{- end -}}
