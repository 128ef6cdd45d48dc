{{/* Chart name. */}}
{{- define "snowtrail.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Fully qualified name; also the MutatingWebhookConfiguration's name, which the operator patches. */}}
{{- define "snowtrail.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "snowtrail.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Labels on every object. */}}
{{- define "snowtrail.labels" -}}
helm.sh/chart: {{ include "snowtrail.chart" . }}
{{ include "snowtrail.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: snowtrail
{{- end }}

{{/* Selector labels of the operator pods. snowtrail.dev/component=operator also keeps them out of the webhook. */}}
{{- define "snowtrail.selectorLabels" -}}
app.kubernetes.io/name: {{ include "snowtrail.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: operator
{{- end }}

{{- define "snowtrail.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "snowtrail.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/* The operator image: repository@digest, or repository:tag (tag defaults to appVersion). */}}
{{- define "snowtrail.image" -}}
{{- if .Values.image.digest }}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest }}
{{- else }}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) }}
{{- end }}
{{- end }}

{{/* The sidecar image the operator injects; follows the operator image unless overridden. */}}
{{- define "snowtrail.sidecarImage" -}}
{{- $repo := default .Values.image.repository .Values.sidecar.image.repository }}
{{- if and (not .Values.sidecar.image.repository) (not .Values.sidecar.image.tag) .Values.image.digest }}
{{- printf "%s@%s" $repo .Values.image.digest }}
{{- else }}
{{- printf "%s:%s" $repo (default (default .Chart.AppVersion .Values.image.tag) .Values.sidecar.image.tag) }}
{{- end }}
{{- end }}

{{- define "snowtrail.webhookSecretName" -}}
{{- default (printf "%s-webhook-tls" (include "snowtrail.fullname" .)) .Values.webhook.certificates.secretName }}
{{- end }}

{{/* One Service carries the webhook (443) and the metrics port. */}}
{{- define "snowtrail.serviceName" -}}
{{- include "snowtrail.fullname" . }}
{{- end }}

{{- define "snowtrail.certificateName" -}}
{{- printf "%s-webhook" (include "snowtrail.fullname" .) | trunc 63 | trimSuffix "-" }}
{{- end }}
