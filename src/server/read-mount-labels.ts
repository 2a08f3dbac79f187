import { attributeKeys } from "../spc/attribute-keys.ts";

/** Who a Mount is for, for its log lines. Every field is undefined when it cannot be read. */
export interface MountLabels {
  pod: string | undefined;
  namespace: string | undefined;
  secretProviderClass: string | undefined;
}

/** What {@link readMountLabels} read: the labels, and the attributes JSON it parsed for them. */
export interface ReadLabels {
  labels: MountLabels;
  /** The parsed attributes (undefined when not JSON), handed on so the pipeline parses them once. */
  parsed: unknown;
}

/**
 * Reads pod, namespace and SecretProviderClass from the request's attributes,
 * leniently: the pipeline validates the request later, so a malformed one only yields
 * undefined fields here. Never throws and never reads the token attribute.
 */
export function readMountLabels(attributesJson: string): ReadLabels {
  const labels: MountLabels = {
    pod: undefined,
    namespace: undefined,
    secretProviderClass: undefined,
  };
  let attributes: unknown;
  try {
    attributes = JSON.parse(attributesJson);
  } catch {
    return { labels, parsed: undefined };
  }
  if (attributes === null || typeof attributes !== "object") return { labels, parsed: attributes };
  const read = (key: string) => {
    const value = Object.hasOwn(attributes, key)
      ? (attributes as Record<string, unknown>)[key]
      : undefined;
    return typeof value === "string" ? value : undefined;
  };
  labels.pod = read(attributeKeys.podName);
  labels.namespace = read(attributeKeys.podNamespace);
  labels.secretProviderClass = read(attributeKeys.secretProviderClass);
  return { labels, parsed: attributes };
}
