/** Keys of `MountRequest.attributes` set by kubelet and the driver (SPEC §2). */
export const attributeKeys = {
  podName: "csi.storage.k8s.io/pod.name",
  podNamespace: "csi.storage.k8s.io/pod.namespace",
  podUid: "csi.storage.k8s.io/pod.uid",
  serviceAccountName: "csi.storage.k8s.io/serviceAccount.name",
  serviceAccountTokens: "csi.storage.k8s.io/serviceAccount.tokens",
  ephemeral: "csi.storage.k8s.io/ephemeral",
  secretProviderClass: "secretProviderClass",
} as const;

/** Token audiences the provider asks the CSIDriver's `tokenRequests` for (SPEC §4.1). */
export const tokenAudiences = {
  irsa: "sts.amazonaws.com",
  podIdentity: "pods.eks.amazonaws.com",
} as const;
