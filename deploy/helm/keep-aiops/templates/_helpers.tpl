{{/* ---------- names and labels ---------- */}}

{{- define "keep-aiops.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "keep-aiops.fullname" -}}
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

{{/* Object name of one component: <fullname>-<component>. Call with (list $ "gateway"). */}}
{{- define "keep-aiops.componentName" -}}
{{- $root := index . 0 }}
{{- printf "%s-%s" (include "keep-aiops.fullname" $root) (index . 1) | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "keep-aiops.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
app.kubernetes.io/name: {{ include "keep-aiops.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: keep-aiops
{{- with .Values.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end }}

{{/* Selector labels of one component. Call with (list $ "gateway"). */}}
{{- define "keep-aiops.selectorLabels" -}}
{{- $root := index . 0 -}}
app.kubernetes.io/name: {{ include "keep-aiops.name" $root }}
app.kubernetes.io/instance: {{ $root.Release.Name }}
app.kubernetes.io/component: {{ index . 1 }}
{{- end }}

{{- define "keep-aiops.componentLabels" -}}
{{ include "keep-aiops.labels" (index . 0) }}
app.kubernetes.io/component: {{ index . 1 }}
{{- end }}

{{- define "keep-aiops.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "keep-aiops.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/* ---------- the four services ---------- */}}

{{/* Services in pipeline order; the stream workers are the last three. */}}
{{- define "keep-aiops.components" -}}
gateway normalizer correlator actions
{{- end }}

{{- define "keep-aiops.workers" -}}
normalizer correlator actions
{{- end }}

{{/* Port of the health and metrics endpoints: the gateway serves them beside its API. */}}
{{- define "keep-aiops.httpPort" -}}
{{- if eq . "gateway" }}8080{{ else }}6066{{ end }}
{{- end }}

{{/* Topics (without prefix) each worker consumes: its consumer group's lag scales it. */}}
{{- define "keep-aiops.consumedTopics" -}}
{{- $topics := dict "normalizer" (list "alerts.raw") "correlator" (list "alerts") "actions" (list "incidents" "actions.requests") }}
{{- toJson (get $topics .) }}
{{- end }}

{{/* Image reference of one component. Call with (list $ "gateway"). */}}
{{- define "keep-aiops.image" -}}
{{- $root := index . 0 }}
{{- $component := index . 1 }}
{{- $img := $root.Values.image }}
{{- $own := (index $root.Values $component).image | default dict }}
{{- $repo := $own.repository | default (printf "%s/%s-%s" $img.registry $img.repositoryPrefix $component) }}
{{- if $img.digest }}
{{- printf "%s@%s" $repo $img.digest }}
{{- else }}
{{- printf "%s:%s" $repo ($own.tag | default $img.tag | default $root.Chart.AppVersion) }}
{{- end }}
{{- end }}

{{/* Largest replica count worth running for a worker: one consumer per partition. */}}
{{- define "keep-aiops.maxReplicas" -}}
{{- $root := index . 0 }}
{{- $component := index . 1 }}
{{- $max := int (index . 2) }}
{{- if eq $component "gateway" }}{{ $max }}{{ else }}{{ min $max (int $root.Values.kafka.topics.partitions) }}{{ end }}
{{- end }}

{{/* ---------- connections and credentials ---------- */}}

{{- define "keep-aiops.kafkaBootstrap" -}}
{{- if .Values.strimzi.enabled }}
{{- printf "%s-kafka-bootstrap:9092" (include "keep-aiops.strimziName" .) }}
{{- else }}
{{- .Values.kafka.bootstrapServers }}
{{- end }}
{{- end }}

{{- define "keep-aiops.kafkaSecurityProtocol" -}}
{{- if .Values.strimzi.enabled }}PLAINTEXT{{ else }}{{ .Values.kafka.securityProtocol }}{{ end }}
{{- end }}

{{- define "keep-aiops.kafkaSasl" -}}
{{- if hasPrefix "SASL_" (include "keep-aiops.kafkaSecurityProtocol" .) }}true{{ end }}
{{- end }}

{{- define "keep-aiops.kafkaTls" -}}
{{- $p := include "keep-aiops.kafkaSecurityProtocol" . }}
{{- if and (or (eq $p "SSL") (eq $p "SASL_SSL")) .Values.kafka.tls.existingSecret }}true{{ end }}
{{- end }}

{{- define "keep-aiops.strimziName" -}}
{{- .Values.strimzi.name | default (printf "%s-kafka" (include "keep-aiops.fullname" .)) }}
{{- end }}

{{- define "keep-aiops.cnpgName" -}}
{{- .Values.cloudnativepg.name | default (printf "%s-pg" (include "keep-aiops.fullname" .)) }}
{{- end }}

{{/* Secret the chart manages for credentials given as values or generated. */}}
{{- define "keep-aiops.secretName" -}}
{{- printf "%s-credentials" (include "keep-aiops.fullname" .) }}
{{- end }}

{{/*
Where each credential comes from, as a dict credential -> {name, key}.
Precedence: the operator-made Secret (self-contained mode), existingSecret, then the
chart-managed Secret. The DSN has no generated fallback: without a value the chart
points at <fullname>-postgres, a Secret the user creates.
*/}}
{{- define "keep-aiops.secretRefs" -}}
{{- $own := include "keep-aiops.secretName" . }}
{{- $refs := dict }}
{{- if .Values.cloudnativepg.enabled }}
{{- $_ := set $refs "dsn" (dict "name" (printf "%s-app" (include "keep-aiops.cnpgName" .)) "key" "uri") }}
{{- else if .Values.postgres.existingSecret }}
{{- $_ := set $refs "dsn" (dict "name" .Values.postgres.existingSecret "key" .Values.postgres.existingSecretKey) }}
{{- else if .Values.postgres.dsn }}
{{- $_ := set $refs "dsn" (dict "name" $own "key" "postgres-dsn") }}
{{- else }}
{{- $_ := set $refs "dsn" (dict "name" (printf "%s-postgres" (include "keep-aiops.fullname" .)) "key" "dsn") }}
{{- end }}
{{- $_ := set $refs "apiKeys" (dict "name" (.Values.apiKeys.existingSecret | default $own) "key" (ternary .Values.apiKeys.existingSecretKey "api-keys" (not (empty .Values.apiKeys.existingSecret)))) }}
{{- $_ := set $refs "secretKey" (dict "name" (.Values.secretKey.existingSecret | default $own) "key" (ternary .Values.secretKey.existingSecretKey "secret-key" (not (empty .Values.secretKey.existingSecret)))) }}
{{- if and (include "keep-aiops.kafkaSasl" .) (or .Values.kafka.sasl.existingSecret .Values.kafka.sasl.password) }}
{{- $_ := set $refs "kafkaPassword" (dict "name" (.Values.kafka.sasl.existingSecret | default $own) "key" (ternary .Values.kafka.sasl.existingSecretKey "kafka-sasl-password" (not (empty .Values.kafka.sasl.existingSecret)))) }}
{{- end }}
{{- toJson $refs }}
{{- end }}

{{- define "keep-aiops.secretEnv" -}}
- name: {{ .env }}
  valueFrom:
    secretKeyRef:
      name: {{ .ref.name }}
      key: {{ .ref.key }}
{{- end }}

{{/*
Environment every container of the release shares: connections, topics, logging and
credentials. Jobs use it too, so it is inline env, not a ConfigMap (hooks run first).
*/}}
{{- define "keep-aiops.commonEnv" -}}
{{- $refs := include "keep-aiops.secretRefs" . | fromJson -}}
- name: HOME
  value: /tmp
- name: KEEP_LOG_LEVEL
  value: {{ .Values.log.level | quote }}
- name: KEEP_LOG_FORMAT
  value: {{ .Values.log.format | quote }}
- name: KEEP_DEFAULT_TENANT
  value: {{ .Values.defaultTenant | quote }}
- name: KEEP_KAFKA_BOOTSTRAP_SERVERS
  value: {{ include "keep-aiops.kafkaBootstrap" . | quote }}
- name: KEEP_KAFKA_SECURITY_PROTOCOL
  value: {{ include "keep-aiops.kafkaSecurityProtocol" . | quote }}
{{- if include "keep-aiops.kafkaSasl" . }}
- name: KEEP_KAFKA_SASL_MECHANISM
  value: {{ .Values.kafka.sasl.mechanism | quote }}
- name: KEEP_KAFKA_SASL_USERNAME
  value: {{ .Values.kafka.sasl.username | quote }}
{{- with $refs.kafkaPassword }}
{{ include "keep-aiops.secretEnv" (dict "env" "KEEP_KAFKA_SASL_PASSWORD" "ref" .) }}
{{- end }}
{{- end }}
{{- if include "keep-aiops.kafkaTls" . }}
- name: KEEP_KAFKA_SSL_CAFILE
  value: /etc/keep/kafka-tls/{{ .Values.kafka.tls.caKey }}
{{- if and .Values.kafka.tls.certKey .Values.kafka.tls.keyKey }}
- name: KEEP_KAFKA_SSL_CERTFILE
  value: /etc/keep/kafka-tls/{{ .Values.kafka.tls.certKey }}
- name: KEEP_KAFKA_SSL_KEYFILE
  value: /etc/keep/kafka-tls/{{ .Values.kafka.tls.keyKey }}
{{- end }}
{{- end }}
- name: KEEP_TOPIC_PREFIX
  value: {{ .Values.kafka.topics.prefix | quote }}
- name: KEEP_TOPIC_PARTITIONS
  value: {{ .Values.kafka.topics.partitions | quote }}
- name: KEEP_TOPIC_REPLICATION_FACTOR
  value: {{ .Values.kafka.topics.replicationFactor | quote }}
- name: KEEP_POSTGRES_POOL_MAX_SIZE
  value: {{ .Values.postgres.poolMaxSize | quote }}
{{ include "keep-aiops.secretEnv" (dict "env" "KEEP_POSTGRES_DSN" "ref" $refs.dsn) }}
{{ include "keep-aiops.secretEnv" (dict "env" "KEEP_API_KEYS" "ref" $refs.apiKeys) }}
{{ include "keep-aiops.secretEnv" (dict "env" "KEEP_SECRET_KEY" "ref" $refs.secretKey) }}
{{- end }}

{{/* Settings only one service reads. Call with (list $ "gateway"). */}}
{{- define "keep-aiops.componentEnv" -}}
{{- $root := index . 0 }}
{{- $component := index . 1 }}
{{- $v := index $root.Values $component }}
{{- if eq $component "gateway" -}}
- name: KEEP_GATEWAY_HOST
  value: "0.0.0.0"
- name: KEEP_GATEWAY_PORT
  value: "8080"
- name: KEEP_MAX_BODY_BYTES
  value: {{ $v.maxBodyBytes | int64 | quote }}
- name: KEEP_KAFKA_SEND_TIMEOUT_SECONDS
  value: {{ $v.kafkaSendTimeoutSeconds | quote }}
{{- with $v.publicUrl }}
- name: KEEP_PUBLIC_URL
  value: {{ . | quote }}
{{- end }}
{{- else -}}
- name: KEEP_HTTP_HOST
  value: "0.0.0.0"
- name: KEEP_HTTP_PORT
  value: "6066"
- name: KEEP_BATCH_SIZE
  value: {{ $v.batchSize | quote }}
- name: KEEP_BATCH_SECONDS
  value: {{ $v.batchSeconds | quote }}
{{- end }}
{{- if eq $component "correlator" }}
- name: KEEP_CORRELATION_GROUP_BY
  value: {{ join "," $v.groupBy | quote }}
- name: KEEP_CORRELATION_WINDOW_MINUTES
  value: {{ $v.windowMinutes | quote }}
{{- end }}
{{- if eq $component "actions" }}
- name: KEEP_ACTIONS_FILE
  value: /etc/keep/actions/rules.yaml
{{- end }}
{{- end }}

{{- define "keep-aiops.actionsConfigMap" -}}
{{- .Values.actions.existingConfigMap | default (printf "%s-actions" (include "keep-aiops.fullname" .)) }}
{{- end }}

{{/* Volumes of the Kafka client certificates, shared by services and Jobs. */}}
{{- define "keep-aiops.kafkaTlsVolume" -}}
{{- if include "keep-aiops.kafkaTls" . -}}
- name: kafka-tls
  secret:
    secretName: {{ .Values.kafka.tls.existingSecret }}
    defaultMode: 0440
{{- end }}
{{- end }}

{{- define "keep-aiops.kafkaTlsMount" -}}
{{- if include "keep-aiops.kafkaTls" . -}}
- name: kafka-tls
  mountPath: /etc/keep/kafka-tls
  readOnly: true
{{- end }}
{{- end }}

{{/*
Hook phase of the migrate and topics Jobs. With external Kafka and PostgreSQL they run
before anything else; in self-contained mode the databases are custom resources of this
release, which exist only after the install, so the Jobs run post-install instead.
*/}}
{{- define "keep-aiops.jobHook" -}}
{{- if or .Values.strimzi.enabled .Values.cloudnativepg.enabled }}post-install,pre-upgrade{{ else }}pre-install,pre-upgrade{{ end }}
{{- end }}
