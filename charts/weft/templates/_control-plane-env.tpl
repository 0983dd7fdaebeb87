{{/*
Environment of the control plane for leader election, the certificate service and the injection webhook. Each name
is the environment variable of a flag in apps/control-plane/src (config.ts and the config-entries.ts files it
spreads in); the control plane ignores variables it does not know, so helm-chart.test.ts checks every name here
against those files.
*/}}
{{- define "weft.controlPlane.featureEnv" -}}
{{- $cp := .Values.controlPlane -}}
{{- $name := include "weft.controlPlane.name" . -}}
- name: WEFT_LEADER_ELECT
  value: {{ $cp.leaderElection.enabled | quote }}
- name: WEFT_LEADER_ELECTION_NAME
  value: {{ $cp.leaderElection.leaseName | quote }}
# The identity and DNS names of the serving certificates (certificate service and webhook): this Service and
# ServiceAccount in POD_NAMESPACE.
- name: WEFT_SERVICE_ACCOUNT
  value: {{ $name | quote }}
- name: WEFT_CA_SERVICE
  value: {{ $name | quote }}
- name: WEFT_TRUST_DOMAIN
  value: {{ .Values.trustDomain | quote }}
- name: WEFT_MAX_SVID_LIFETIME
  value: {{ .Values.ca.maxSvidLifetime | quote }}
{{- if eq .Values.ca.mode "plugged" }}
- name: WEFT_CA_PLUGGED_SECRET
  value: {{ .Values.ca.plugged.secretName | quote }}
{{- else }}
# The self-signed root; with cert-manager it still certifies the webhook's serving certificate.
- name: WEFT_CA_SECRET
  value: {{ include "weft.ca.secretName" . | quote }}
{{- end }}
{{- if eq .Values.ca.mode "certManager" }}
# The mesh trust bundle is the issuer's CA, which the bridge writes to this ConfigMap.
- name: WEFT_TRUST_BUNDLE_CONFIGMAP
  value: {{ printf "%s/%s" .Release.Namespace (include "weft.trustBundle.name" .) | quote }}
{{- end }}
# With cert-manager the bridge serves agents' CSRs, not the control plane.
- name: WEFT_CA_LISTEN
  value: {{ ternary "off" (printf "0.0.0.0:%d" (int $cp.ports.certificates)) (eq .Values.ca.mode "certManager") | quote }}
{{- if .Values.injection.enabled }}
- name: WEFT_WEBHOOK_LISTEN
  value: {{ printf "0.0.0.0:%d" (int $cp.ports.webhook) | quote }}
- name: WEFT_WEBHOOK_SERVICE
  value: {{ $name | quote }}
- name: WEFT_WEBHOOK_CONFIGURATION
  value: {{ include "weft.webhook.name" . | quote }}
- name: WEFT_INJECT_AGENT_IMAGE
  value: {{ include "weft.image" (dict "root" . "image" .Values.injection.agent.image) | quote }}
- name: WEFT_INJECT_APISIX_IMAGE
  value: {{ include "weft.image" (dict "root" . "image" .Values.injection.apisix.image) | quote }}
- name: WEFT_INJECT_IMAGE_PULL_POLICY
  value: {{ .Values.injection.imagePullPolicy | quote }}
- name: WEFT_INJECT_NATS_URL
  value: {{ include "weft.nats.url" . | quote }}
- name: WEFT_INJECT_CA_ADDRESS
  value: {{ include "weft.ca.address" . | quote }}
{{- if eq .Values.ca.mode "certManager" }}
# cert-manager signs a CSR as it is: agents put the mesh names their snapshot demands into their CSRs.
- name: WEFT_INJECT_CSR_MESH_NAMES
  value: "true"
{{- end }}
{{- if .Values.nats.tls.secretName }}
# The CA of NATS's server certificate (the Secret mounted for the control plane itself), handed to injected agents.
- name: WEFT_INJECT_NATS_CA_FILE
  value: {{ include "weft.nats.tlsDir" . }}/ca.crt
{{- end }}
{{- if .Values.nats.tls.clientSvid }}
- name: WEFT_INJECT_NATS_CLIENT_SVID
  value: "true"
{{- end }}
- name: WEFT_INJECT_AGENT_RESOURCES
  value: {{ .Values.injection.agent.resources | toJson | quote }}
- name: WEFT_INJECT_APISIX_RESOURCES
  value: {{ .Values.injection.apisix.resources | toJson | quote }}
{{- end }}
{{- end -}}
