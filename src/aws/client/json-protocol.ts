import { toAwsErrorFromAnswer, unparseableAnswer } from "../aws-errors.ts";
import { type AwsRequest, originOf, retryErrorType } from "./aws-client.ts";
import { text } from "./read-answer.ts";

/**
 * A request of the AWS JSON 1.1 protocol (Secrets Manager, SSM): `input` as the JSON body (fields
 * left undefined are left out), the operation in `X-Amz-Target`; the answer is the parsed JSON
 * object, an error answer is classified by its code (`X-Amzn-ErrorType` or `__type`).
 */
export function jsonRequest(
  targetPrefix: string,
  operation: string,
  input: object,
): AwsRequest<Record<string, unknown>> {
  return {
    operation,
    headers: {
      "content-type": "application/x-amz-json-1.1",
      "x-amz-target": `${targetPrefix}.${operation}`,
    },
    body: JSON.stringify(input),
    read(answer) {
      const { status, headers } = answer;
      const parsed = parseJsonObject(answer.text);
      if (status < 300) {
        return parsed === undefined
          ? { ok: false, error: unparseableAnswer(originOf(answer)), retry: "CLIENT_ERROR" }
          : { ok: true, value: parsed };
      }
      const awsCode = errorCode(
        headers.get("x-amzn-errortype") ?? text(parsed?.["__type"]) ?? text(parsed?.["code"]),
      );
      const awsMessage = text(parsed?.["message"]) ?? text(parsed?.["Message"]) ?? "";
      return {
        ok: false,
        error: toAwsErrorFromAnswer(originOf(answer), awsCode, awsMessage),
        retry: retryErrorType(status, awsCode),
      };
    },
  };
}

/** `aws.protocoltests#Code:http://…` → `Code`; empty → undefined. */
function errorCode(raw: string | undefined): string | undefined {
  const code = raw?.split(":")[0]?.split("#").pop()?.trim();
  return code || undefined;
}

function parseJsonObject(body: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(body);
    return typeof value === "object" && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}
