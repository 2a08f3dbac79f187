{{/*
The defaults of values.yaml (a test keeps the two equal; the driver's block is Helm's business),
applied again by provider.applyDefaults: `helm upgrade --reuse-values` renders this chart with the
values of the release's previous chart instead of values.yaml, and after an upstream release most
of these keys are missing.
*/}}
{{- define "provider.defaults" -}}
nameOverride: ''
fullnameOverride: ''
image:
  repository: registry.example.com/secrets-store-csi-driver-provider-aws
  tag: ''
  pullPolicy: IfNotPresent
imagePullSecrets: []
awsRegion: ''
useFipsEndpoint: false
driverWritesSecrets: true
providerVolume: /var/run/secrets-store-csi-providers
kubeletPath: /var/lib/kubelet
k8sThrottlingParams:
  qps: 5
  burst: 10
podIdentityHttpTimeout: ''
eksAddonVersion: ''
useNodeNameEnv: true
logLevel: info
logFormat: json
cacheTTL: 60s
failoverStrategy: parallel
extraArgs: []
extraEnv: []
metrics:
  enabled: true
  port: 8989
  serviceMonitor:
    enabled: false
    interval: 30s
    scrapeTimeout: 10s
    labels: {}
rbac:
  install: true
  serviceAccountName: ''
priorityClassName: system-node-critical
tolerations:
- operator: Exists
nodeSelector: {}
affinity:
  nodeAffinity:
    requiredDuringSchedulingIgnoredDuringExecution:
      nodeSelectorTerms:
      - matchExpressions:
        - key: eks.amazonaws.com/compute-type
          operator: NotIn
          values:
          - fargate
        - key: type
          operator: NotIn
          values:
          - virtual-kubelet
updateStrategy:
  type: RollingUpdate
  rollingUpdate:
    maxUnavailable: 1
resources:
  requests:
    cpu: 50m
    memory: 100Mi
  limits:
    memory: 256Mi
podSecurityContext:
  seccompProfile:
    type: RuntimeDefault
securityContext:
  runAsUser: 0
  runAsGroup: 0
  runAsNonRoot: false
  privileged: false
  allowPrivilegeEscalation: false
  readOnlyRootFilesystem: true
  capabilities:
    drop:
    - ALL
  seccompProfile:
    type: RuntimeDefault
podAnnotations: {}
podLabels: {}
commonLabels: {}
dnsPolicy: ''
dnsConfig: {}
terminationGracePeriodSeconds: 30
{{- end -}}
