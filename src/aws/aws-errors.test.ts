import { describe, expect, test } from "bun:test";
import {
  DecryptionFailure,
  InternalServiceError,
  ResourceNotFoundException,
} from "@aws-sdk/client-secrets-manager";
import { ParameterNotFound } from "@aws-sdk/client-ssm";
import { Code } from "../errors.ts";
import { classifyAwsError } from "./aws-errors.ts";

const metadata = (httpStatusCode: number) => ({ $metadata: { httpStatusCode } });

describe("classifyAwsError()", () => {
  test("NotFound errors of both services are client errors", () => {
    const sm = classifyAwsError(
      new ResourceNotFoundException({ message: "gone", ...metadata(400) }),
    );
    expect(sm).toEqual({
      code: Code.NotFound,
      awsCode: "ResourceNotFoundException",
      message: "gone",
      isServerSide: false,
    });
    expect(classifyAwsError(new ParameterNotFound({ message: "x", ...metadata(400) })).code).toBe(
      Code.NotFound,
    );
  });

  test("AccessDenied and KMS decryption failures are PERMISSION_DENIED", () => {
    const denied = Object.assign(new Error("not authorized"), {
      name: "AccessDeniedException",
      $fault: "client",
      ...metadata(400),
    });
    expect(classifyAwsError(denied).code).toBe(Code.PermissionDenied);
    expect(classifyAwsError(new DecryptionFailure({ message: "kms", ...metadata(400) })).code).toBe(
      Code.PermissionDenied,
    );
  });

  test("throttling is server-side even though AWS answers 400", () => {
    const throttled = Object.assign(new Error("slow down"), {
      name: "ThrottlingException",
      $fault: "client",
      ...metadata(400),
    });
    expect(classifyAwsError(throttled)).toMatchObject({ code: Code.Internal, isServerSide: true });
  });

  test("5xx answers are server-side", () => {
    expect(
      classifyAwsError(new InternalServiceError({ message: "oops", ...metadata(500) })),
    ).toMatchObject({
      code: Code.Internal,
      isServerSide: true,
    });
  });

  test("network errors without an answer are server-side and keep their code", () => {
    const refused = Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:1"), {
      code: "ECONNREFUSED",
    });
    expect(classifyAwsError(refused)).toMatchObject({
      awsCode: "ECONNREFUSED",
      isServerSide: true,
    });
  });

  test("STS token rejections are UNAUTHENTICATED", () => {
    const invalid = Object.assign(new Error("bad token"), {
      name: "InvalidIdentityToken",
      $fault: "client",
      ...metadata(400),
    });
    expect(classifyAwsError(invalid).code).toBe(Code.Unauthenticated);
  });

  test("an unknown 4xx is a client error", () => {
    const odd = Object.assign(new Error("odd"), {
      name: "SomethingNew",
      $fault: "client",
      ...metadata(409),
    });
    expect(classifyAwsError(odd)).toMatchObject({ code: Code.Internal, isServerSide: false });
  });

  test("a response the SDK could not parse never lends its parser message", () => {
    const parseError = new SyntaxError('JSON Parse error: Unexpected identifier "s3cretValue"');
    Object.defineProperty(parseError, "$responseBodyText", {
      value: '{"SecretString": s3cretValue',
    });
    Object.defineProperty(parseError, "$response", { value: { statusCode: 200 } });
    const failure = classifyAwsError(parseError);
    expect(failure.message).toContain("could not be parsed");
    expect(JSON.stringify(failure)).not.toContain("s3cretValue");
  });

  test("non-errors are described, not thrown", () => {
    expect(classifyAwsError("weird")).toMatchObject({ awsCode: "UnknownError", message: "weird" });
  });
});

describe("classifyAwsError() for answers that are not AWS's", () => {
  test("an answer without an error code (a proxy's HTML page) names the HTTP status", () => {
    const html = Object.assign(new Error("Unknown"), {
      name: "Unknown",
      $fault: "server",
      $metadata: { httpStatusCode: 502 },
    });
    expect(classifyAwsError(html)).toMatchObject({
      awsCode: "HTTP502",
      message:
        "an answer (HTTP 502) without an AWS error code (a proxy or load balancer in the way?)",
      isServerSide: true,
    });
  });

  test("an unparseable answer names the status and never quotes the body", () => {
    const parse = Object.assign(
      new SyntaxError('JSON Parse error: Unexpected identifier "s3cr3t"'),
      {
        $response: { statusCode: 200 },
        $responseBodyText: "s3cr3t",
      },
    );
    const failure = classifyAwsError(parse);
    expect(failure.message).toContain("(HTTP 200) could not be parsed");
    expect(failure.message).not.toContain("s3cr3t");
  });

  test("Bun's fetch hint is dropped from network errors", () => {
    const reset = Object.assign(
      new Error(
        "The socket connection was closed unexpectedly. For more information, pass `verbose: true` in the second argument to fetch()",
      ),
      { code: "ECONNRESET" },
    );
    expect(classifyAwsError(reset).message).toBe("The socket connection was closed unexpectedly");
  });
});
