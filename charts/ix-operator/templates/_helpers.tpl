{{/* The chart name, or nameOverride. */}}
{{- define "ix-operator.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/*
The base name of every object. Cluster-scoped objects (ClusterRoles and their bindings) carry it
too, so two releases in different namespaces do not overwrite each other's RBAC. Capped at 52
characters so that suffixes such as "-agent" and "-leader-election" keep names within 63.
*/}}
{{- define "ix-operator.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 52 | trimSuffix "-" -}}
{{- else -}}
{{- $name := default .Chart.Name .Values.nameOverride -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 52 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 52 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{- define "ix-operator.agentName" -}}
{{- printf "%s-agent" (include "ix-operator.fullname" .) -}}
{{- end -}}

{{- define "ix-operator.leaseName" -}}
{{- default (include "ix-operator.fullname" .) .Values.operator.leaseName -}}
{{- end -}}

{{- define "ix-operator.image" -}}
{{- printf "%s:%s" .Values.image.repository .Values.image.tag -}}
{{- end -}}

{{- define "ix-operator.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
app.kubernetes.io/name: {{ include "ix-operator.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: ix-operator
{{- end -}}

{{/* Selector labels never include the version: a Deployment's selector cannot change on upgrade. */}}
{{- define "ix-operator.operatorSelectorLabels" -}}
app.kubernetes.io/name: {{ include "ix-operator.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: operator
{{- end -}}

{{- define "ix-operator.agentSelectorLabels" -}}
app.kubernetes.io/name: {{ include "ix-operator.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: agent
{{- end -}}
