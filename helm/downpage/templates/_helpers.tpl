{{/*
Chart name, truncated to 63 characters (the Kubernetes name limit).
*/}}
{{- define "downpage.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
Full name: release and chart name, unless the release name already contains the chart name.
*/}}
{{- define "downpage.fullname" -}}
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

{{/*
Chart name and version, for the helm.sh/chart label.
*/}}
{{- define "downpage.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
Common labels.
*/}}
{{- define "downpage.labels" -}}
helm.sh/chart: {{ include "downpage.chart" . }}
{{ include "downpage.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{/*
Selector labels.
*/}}
{{- define "downpage.selectorLabels" -}}
app.kubernetes.io/name: {{ include "downpage.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{/*
ServiceAccount name.
*/}}
{{- define "downpage.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "downpage.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/*
An image reference from {repository, tag, digest}: the digest wins over the tag.
Call with (dict "image" .Values.image "default" .Chart.AppVersion).
*/}}
{{- define "downpage.image" -}}
{{- if .image.digest }}
{{- printf "%s@%s" .image.repository .image.digest }}
{{- else }}
{{- printf "%s:%s" .image.repository (default .default .image.tag | toString) }}
{{- end }}
{{- end }}

{{/*
ConfigMap key of a template path: keys cannot hold "/", the volume's items put it back.
*/}}
{{- define "downpage.templateKey" -}}
{{- . | replace "/" "__" }}
{{- end }}

{{/*
The page extension nginx serves when X-Format asks for nothing in particular.
*/}}
{{- define "downpage.defaultFormat" -}}
{{- if has "html" .Values.formats }}html{{ else }}{{ first .Values.formats }}{{ end }}
{{- end }}

{{/*
Every status code nginx answers by X-Code: `codes` and the codes of `pages`, comma-separated.
*/}}
{{- define "downpage.allCodes" -}}
{{- $codes := list }}
{{- range .Values.codes }}
{{- $codes = append $codes (toString .) }}
{{- end }}
{{- range $code, $_ := .Values.pages }}
{{- $codes = append $codes (toString $code) }}
{{- end }}
{{- $codes | uniq | sortAlpha | join "," }}
{{- end }}

{{/*
The init container's DOWNPAGE_* environment, sorted by name. The chart's own settings come
first (built-in pages for the `codes` that `pages` does not replace; with `languages`, the
nginx target for nginx-lang.conf); `vars` become DOWNPAGE_VAR_<NAME>; `env` is passed as it
is and wins, except that DOWNPAGE_TARGETS keeps nginx when there are `languages`.
*/}}
{{- define "downpage.env" -}}
{{- $env := dict "DOWNPAGE_OUTPUT_DIR" "/pages" }}
{{- $builtin := list }}
{{- range .Values.codes }}
{{- if not (hasKey $.Values.pages (toString .)) }}
{{- $builtin = append $builtin (toString .) }}
{{- end }}
{{- end }}
{{- if $builtin }}
{{- $_ := set $env "DOWNPAGE_CODES" (join "," $builtin) }}
{{- end }}
{{- if .Values.formats }}
{{- $_ := set $env "DOWNPAGE_FORMATS" (join "," .Values.formats) }}
{{- end }}
{{- if .Values.templates }}
{{- $_ := set $env "DOWNPAGE_TEMPLATE_DIR" "/templates" }}
{{- end }}
{{- if .Values.languages }}
{{- /* the nginx target writes nginx-lang.conf, the language choice nginx includes */}}
{{- $_ := set $env "DOWNPAGE_LANGS" (join "," .Values.languages) }}
{{- $_ := set $env "DOWNPAGE_TARGETS" "nginx" }}
{{- $_ := set $env "DOWNPAGE_SERVE_ROOT" "/usr/share/nginx/pages" }}
{{- end }}
{{- if .Values.pages }}
{{- $pages := list }}
{{- range $code, $template := .Values.pages }}
{{- $pages = append $pages (printf "%s.html=%s" (toString $code) $template) }}
{{- end }}
{{- $_ := set $env "DOWNPAGE_PAGES" (join "," $pages) }}
{{- end }}
{{- range $key, $value := .Values.vars }}
{{- $_ := set $env (printf "DOWNPAGE_VAR_%s" ($key | snakecase | upper)) (toString $value) }}
{{- end }}
{{- range $key, $value := .Values.env }}
{{- $_ := set $env $key (toString $value) }}
{{- end }}
{{- if and .Values.languages (not (has "nginx" (get $env "DOWNPAGE_TARGETS" | nospace | splitList ","))) }}
{{- $_ := set $env "DOWNPAGE_TARGETS" (printf "%s,nginx" (get $env "DOWNPAGE_TARGETS")) }}
{{- end }}
{{- range $key := keys $env | sortAlpha }}
- name: {{ $key }}
  value: {{ get $env $key | quote }}
{{- end }}
{{- end }}
