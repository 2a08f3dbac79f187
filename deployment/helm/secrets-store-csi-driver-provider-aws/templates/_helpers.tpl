{{/*
Every template starts with `include "provider.applyDefaults" .`: it replaces .Values, for that
template only, with the values over the chart's defaults (provider.defaults), so that a template
never meets a missing setting, and turns the boolean values into booleans.

Helm normally renders with values.yaml under the release's values, and a Kubernetes field set to
null (affinity, resources, …) is then gone on purpose: only settings get their default back. But
`helm upgrade --reuse-values` of a release of another chart (upstream's) renders with that
chart's values instead, which lack this chart's own keys: then every missing key gets its default,
but for the Kubernetes fields that upstream's values.yaml declares, whose absence means the user
removed them.
*/}}
{{- define "provider.applyDefaults" -}}
{{- $defaults := include "provider.defaults" . | fromYaml -}}
{{- $isForeignBase := not (or (hasKey .Values "metrics") (hasKey .Values "logLevel") (hasKey .Values "cacheTTL") (hasKey .Values "failoverStrategy")) -}}
{{- $upstreamFields := list "affinity" "resources" "securityContext" "tolerations" "nodeSelector" "updateStrategy" "imagePullSecrets" "dnsConfig" "podLabels" "podAnnotations" "commonLabels" -}}
{{- range $key := concat $upstreamFields (list "podSecurityContext" "extraArgs" "extraEnv") -}}
{{- if or (not $isForeignBase) (and (has $key $upstreamFields) (kindIs "invalid" (index $.Values $key))) -}}
{{- $_ := unset $defaults $key -}}
{{- end -}}
{{- end -}}
{{- $values := include "provider.mergeDefaults" (dict "values" .Values "defaults" $defaults) | fromJson -}}
{{- range $key := list "driverWritesSecrets" "useFipsEndpoint" "useNodeNameEnv" -}}
{{- $_ := set $values $key (include "provider.bool" (list $key (index $values $key)) | eq "true") -}}
{{- end -}}
{{- $_ := set $values.rbac "install" (include "provider.bool" (list "rbac.install" $values.rbac.install) | eq "true") -}}
{{- $_ := set $values.metrics "enabled" (include "provider.bool" (list "metrics.enabled" $values.metrics.enabled) | eq "true") -}}
{{- $_ := set $values.metrics.serviceMonitor "enabled" (include "provider.bool" (list "metrics.serviceMonitor.enabled" $values.metrics.serviceMonitor.enabled) | eq "true") -}}
{{- if eq (toString $values.image.repository) "public.ecr.aws/aws-secrets-manager/secrets-store-csi-driver-provider-aws" -}}
{{- fail "image.repository is the upstream provider's image, which does not take this chart's flags: set image.repository and image.tag to your build of this provider (README, Install)" -}}
{{- end -}}
{{- $_ := set . "Values" $values -}}
{{- end -}}

{{/*
(dict "values" V "defaults" D) as JSON: V with every absent or null key taken from D, maps merged
key by key (as Helm merges values.yaml with the release's values), anything else taken from V.
*/}}
{{- define "provider.mergeDefaults" -}}
{{- $merged := dict -}}
{{- range $key, $value := .values -}}
{{- if not (kindIs "invalid" $value) -}}
{{- $_ := set $merged $key $value -}}
{{- end -}}
{{- end -}}
{{- range $key, $default := .defaults -}}
{{- $value := index $merged $key -}}
{{- if kindIs "invalid" $value -}}
{{- $_ := set $merged $key $default -}}
{{- else if and (kindIs "map" $value) (kindIs "map" $default) -}}
{{- $_ := set $merged $key (include "provider.mergeDefaults" (dict "values" $value "defaults" $default) | fromJson) -}}
{{- end -}}
{{- end -}}
{{- toJson $merged -}}
{{- end -}}

{{/*
(list NAME VALUE) as "true" or "false": a boolean, or the string "true" or "false" in any case
(`--set-string`, quoted YAML), which templates would otherwise take for true; else a failure.
*/}}
{{- define "provider.bool" -}}
{{- $name := index . 0 -}}
{{- $value := index . 1 -}}
{{- if kindIs "bool" $value -}}
{{- $value -}}
{{- else if and (kindIs "string" $value) (has (lower $value) (list "true" "false")) -}}
{{- lower $value -}}
{{- else -}}
{{- fail (printf "%s must be true or false, got %s" $name (toJson $value)) -}}
{{- end -}}
{{- end -}}

{{/*
(list NAME VALUE) as a whole number in decimals: `--set-json` and `-f` files give numbers as
floats, which print as 1e+06 and the provider rejects; else a failure. Strings of digits pass too.
*/}}
{{- define "provider.wholeNumber" -}}
{{- $name := index . 0 -}}
{{- $value := index . 1 -}}
{{- $text := kindIs "string" $value | ternary $value (toJson $value) -}}
{{- if not (regexMatch "^[0-9]+$" $text) -}}
{{- fail (printf "%s must be a whole number, got %s" $name (toJson $value)) -}}
{{- end -}}
{{- $text -}}
{{- end -}}

{{/* Chart name, or nameOverride. */}}
{{- define "provider.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* Name of every object: fullnameOverride, else <release>-<chart> (just <release> when it already contains the chart name). */}}
{{- define "provider.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- $name := default .Chart.Name .Values.nameOverride -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{/* The DaemonSet's selector: immutable, and the upstream chart's, so that an upstream release can be upgraded to this chart. */}}
{{- define "provider.selectorLabels" -}}
app: {{ include "provider.name" . }}
{{- end -}}

{{/* Labels of every object. */}}
{{- define "provider.labels" -}}
{{ include "provider.selectorLabels" . }}
app.kubernetes.io/name: {{ include "provider.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ default .Chart.AppVersion .Values.image.tag | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- with .Values.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end -}}

{{/* The provider's ServiceAccount: rbac.serviceAccountName, else the full name. */}}
{{- define "provider.serviceAccountName" -}}
{{- default (include "provider.fullname" .) .Values.rbac.serviceAccountName -}}
{{- end -}}

{{/* repository:tag, the tag defaulting to the chart's appVersion. */}}
{{- define "provider.image" -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion (toString .Values.image.tag)) -}}
{{- end -}}
