import { toAwsErrorFromAnswer, unparseableAnswer } from "../aws-errors.ts";
import { type AwsRequest, originOf, retryErrorType } from "./aws-client.ts";

/** The API version every STS Query request names. */
const stsVersion = "2011-06-15";

/**
 * A request of the AWS Query protocol (STS): `params` form-encoded with the action and version;
 * a successful answer's XML goes to `readResult` (undefined: not the answer expected), an error
 * answer is classified by its `<Code>`.
 */
export function queryRequest<T>(
  action: string,
  params: Readonly<Record<string, string | undefined>>,
  readResult: (xml: string) => T | undefined,
): AwsRequest<T> {
  const form = new URLSearchParams({ Action: action, Version: stsVersion });
  for (const [key, value] of Object.entries(params)) if (value !== undefined) form.set(key, value);
  return {
    operation: action,
    headers: { "content-type": "application/x-www-form-urlencoded; charset=utf-8" },
    body: form.toString(),
    read(answer) {
      const { status, text: xml } = answer;
      if (status < 300) {
        const value = readResult(xml);
        return value === undefined
          ? { ok: false, error: unparseableAnswer(originOf(answer)), retry: "CLIENT_ERROR" }
          : { ok: true, value };
      }
      const error = readXmlText(xml, "Error");
      const awsCode = error === undefined ? undefined : readXmlText(error, "Code") || undefined;
      const awsMessage = (error === undefined ? undefined : readXmlText(error, "Message")) ?? "";
      return {
        ok: false,
        error: toAwsErrorFromAnswer(
          originOf(answer, readXmlText(xml, "RequestId")),
          awsCode,
          awsMessage,
        ),
        retry: retryErrorType(status, awsCode),
      };
    },
  };
}

const entities: Readonly<Record<string, string>> = {
  amp: "&",
  lt: "<",
  gt: ">",
  quot: '"',
  apos: "'",
};

/**
 * The content of the first `<name>` element of `xml` (its text with entities decoded, or its
 * inner XML when it has child elements), or undefined. Enough for the flat, known shapes of STS
 * answers, which AWS writes without attributes on these elements, CDATA or comments.
 */
export function readXmlText(xml: string, name: string): string | undefined {
  const open = `<${name}>`;
  const start = xml.indexOf(open);
  if (start < 0) return undefined;
  const end = xml.indexOf(`</${name}>`, start + open.length);
  if (end < 0) return undefined;
  const inner = xml.slice(start + open.length, end);
  if (inner.includes("<")) return inner;
  return inner.replace(/&(#x[0-9a-fA-F]{1,6}|#[0-9]{1,7}|[a-z]+);/g, (whole, entity: string) => {
    if (!entity.startsWith("#")) return entities[entity] ?? whole;
    const codePoint = entity.startsWith("#x")
      ? Number.parseInt(entity.slice(2), 16)
      : Number.parseInt(entity.slice(1), 10);
    return codePoint <= 0x10ffff ? String.fromCodePoint(codePoint) : whole;
  });
}
