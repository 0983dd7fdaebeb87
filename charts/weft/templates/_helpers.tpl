{{/*
Names. The release "weft" gives plain "weft-…" names; another release name is prefixed ("<release>-weft-…") unless
it already contains the chart name. Every name is cut to stay a valid DNS label with its longest suffix.
*/}}
{{- define "weft.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 40 | trimSuffix "-" -}}
{{- end -}}

{{- define "weft.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 40 | trimSuffix "-" -}}
{{- else -}}
{{- $name := default .Chart.Name .Values.nameOverride -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 40 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 40 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{- define "weft.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* Standard labels of every object; pass a dict with "root" (the top context) and "component". */}}
{{- define "weft.labels" -}}
helm.sh/chart: {{ include "weft.chart" .root }}
{{ include "weft.selectorLabels" . }}
app.kubernetes.io/version: {{ .root.Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .root.Release.Service }}
app.kubernetes.io/part-of: weft
{{- end -}}

{{/* Labels that select a component's pods; they never change across upgrades. */}}
{{- define "weft.selectorLabels" -}}
app.kubernetes.io/name: {{ include "weft.name" .root }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{/* Object names of the components. */}}
{{- define "weft.controlPlane.name" -}}{{ include "weft.fullname" . }}-control-plane{{- end -}}
{{- define "weft.nats.name" -}}{{ include "weft.fullname" . }}-nats{{- end -}}
{{- define "weft.bridge.name" -}}{{ include "weft.fullname" . }}-cert-manager-bridge{{- end -}}
{{/* The ConfigMap the cert-manager bridge writes its issuer's CA roots to (key roots.pem), read by the control plane. */}}
{{- define "weft.trustBundle.name" -}}{{ include "weft.fullname" . }}-trust-bundle{{- end -}}
{{- define "weft.webhook.name" -}}{{ include "weft.fullname" . }}-sidecar-injector{{- end -}}

{{/* The Secret that keeps the self-signed root (and the control plane's own CA material in the other modes). */}}
{{- define "weft.ca.secretName" -}}
{{- default (printf "%s-ca" (include "weft.fullname" .)) .Values.ca.selfSigned.secretName -}}
{{- end -}}

{{/* An image reference; pass a dict with "root" and "image" (repository, tag, pullPolicy). */}}
{{- define "weft.image" -}}
{{- printf "%s:%s" .image.repository (default .root.Chart.AppVersion .image.tag) -}}
{{- end -}}

{{/* The NATS URL every Weft process dials: the bundled Service by its cluster DNS name, or nats.url. */}}
{{- define "weft.nats.url" -}}
{{- if .Values.nats.enabled -}}
{{- printf "%s://%s.%s.svc.%s:4222" (ternary "tls" "nats" (ne .Values.nats.tls.secretName "")) (include "weft.nats.name" .) .Release.Namespace .Values.clusterDomain -}}
{{- else -}}
{{- .Values.nats.url -}}
{{- end -}}
{{- end -}}

{{/* The address agents send their CSRs to: the control plane, or the cert-manager bridge. */}}
{{- define "weft.ca.address" -}}
{{- $service := ternary (include "weft.bridge.name" .) (include "weft.controlPlane.name" .) (eq .Values.ca.mode "certManager") -}}
{{- printf "%s.%s.svc:%d" $service .Release.Namespace (int .Values.controlPlane.ports.certificates) -}}
{{- end -}}

{{/* Where the NATS TLS Secret is mounted in Weft's own containers. */}}
{{- define "weft.nats.tlsDir" -}}/etc/weft/nats-tls{{- end -}}

{{/* Environment of a Weft process that talks to NATS (URL, cluster id, the CA of its TLS certificate). */}}
{{- define "weft.nats.env" -}}
- name: WEFT_NATS_URL
  value: {{ include "weft.nats.url" . | quote }}
- name: WEFT_CLUSTER_ID
  value: {{ .Values.clusterId | quote }}
{{- if .Values.nats.tls.secretName }}
# Node adds this CA to the ones it trusts, so the NATS client verifies the server's TLS certificate against it (the
# control plane has no NATS CA flag of its own; the server's INFO asks the client for TLS).
- name: NODE_EXTRA_CA_CERTS
  value: {{ include "weft.nats.tlsDir" . }}/ca.crt
{{- end }}
{{- end -}}

{{/* Pod security of Weft's own processes: non-root, no privilege escalation, read-only root file system. */}}
{{- define "weft.podSecurityContext" -}}
runAsNonRoot: true
runAsUser: 65532
runAsGroup: 65532
fsGroup: 65532
seccompProfile:
  type: RuntimeDefault
{{- end -}}

{{- define "weft.containerSecurityContext" -}}
allowPrivilegeEscalation: false
readOnlyRootFilesystem: true
capabilities:
  drop: ["ALL"]
{{- end -}}

{{/*
The label that keeps Weft's own pods out of the injection webhook (its objectSelector sees labels, not annotations):
the control plane must start even when its namespace is labelled for injection, or nothing could inject anything.
*/}}
{{- define "weft.notInjected" -}}
weft.dev/inject: "false"
{{- end -}}

{{/* What both injection webhooks share: where they call, on which requests, and how failures are treated. */}}
{{- define "weft.webhook.common" -}}
clientConfig:
  service:
    name: {{ include "weft.controlPlane.name" . }}
    namespace: {{ .Release.Namespace }}
    path: /inject
    port: 443
rules:
  - operations: ["CREATE"]
    apiGroups: [""]
    apiVersions: ["v1"]
    resources: ["pods"]
    scope: Namespaced
failurePolicy: {{ .Values.injection.failurePolicy }}
matchPolicy: Equivalent
sideEffects: None
admissionReviewVersions: ["v1"]
timeoutSeconds: {{ .Values.injection.timeoutSeconds }}
reinvocationPolicy: Never
{{- end -}}
