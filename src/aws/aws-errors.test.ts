import { describe, expect, test } from "bun:test";
import {
  DecryptionFailure,
  InternalServiceError,
  ResourceNotFoundException,
} from "@aws-sdk/client-secrets-manager";
import { ParameterNotFound } from "@aws-sdk/client-ssm";
import { Code, ProviderError } from "../errors.ts";
import { toAwsError, toAwsErrorFromCode } from "./aws-errors.ts";

const metadata = (httpStatusCode: number) => ({ $metadata: { httpStatusCode } });

describe("toAwsError()", () => {
  test("NotFound errors of both services are client errors", () => {
    const sm = toAwsError(new ResourceNotFoundException({ message: "gone", ...metadata(400) }));
    expect(sm).toMatchObject({
      code: Code.NotFound,
      awsCode: "ResourceNotFoundException",
      awsMessage: "gone",
      isServerSide: false,
      message: "ResourceNotFoundException: gone",
      reason: "ResourceNotFoundException",
    });
    expect(sm).toBeInstanceOf(ProviderError);
    expect(toAwsError(new ParameterNotFound({ message: "x", ...metadata(400) })).code).toBe(
      Code.NotFound,
    );
  });

  test("AccessDenied and KMS decryption failures are PERMISSION_DENIED", () => {
    const denied = Object.assign(new Error("not authorized"), {
      name: "AccessDeniedException",
      $fault: "client",
      ...metadata(400),
    });
    expect(toAwsError(denied).code).toBe(Code.PermissionDenied);
    expect(toAwsError(new DecryptionFailure({ message: "kms", ...metadata(400) })).code).toBe(
      Code.PermissionDenied,
    );
  });

  test("throttling is server-side even though AWS answers 400", () => {
    const throttled = Object.assign(new Error("slow down"), {
      name: "ThrottlingException",
      $fault: "client",
      ...metadata(400),
    });
    expect(toAwsError(throttled)).toMatchObject({ code: Code.Internal, isServerSide: true });
  });

  test("5xx answers are server-side", () => {
    expect(
      toAwsError(new InternalServiceError({ message: "oops", ...metadata(500) })),
    ).toMatchObject({
      code: Code.Internal,
      isServerSide: true,
    });
  });

  test("network errors without an answer are server-side and keep their code", () => {
    const refused = Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:1"), {
      code: "ECONNREFUSED",
    });
    expect(toAwsError(refused)).toMatchObject({
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
    expect(toAwsError(invalid).code).toBe(Code.Unauthenticated);
  });

  test("an unknown 4xx is a client error", () => {
    const odd = Object.assign(new Error("odd"), {
      name: "SomethingNew",
      $fault: "client",
      ...metadata(409),
    });
    expect(toAwsError(odd)).toMatchObject({ code: Code.Internal, isServerSide: false });
  });

  test("a response the SDK could not parse never lends its parser message", () => {
    const parseError = new SyntaxError('JSON Parse error: Unexpected identifier "s3cretValue"');
    Object.defineProperty(parseError, "$responseBodyText", {
      value: '{"SecretString": s3cretValue',
    });
    Object.defineProperty(parseError, "$response", { value: { statusCode: 200 } });
    const failure = toAwsError(parseError);
    expect(failure.awsMessage).toContain("could not be parsed");
    expect(failure.message).not.toContain("s3cretValue");
  });

  test("non-errors are described, not thrown", () => {
    expect(toAwsError("weird")).toMatchObject({ awsCode: "UnknownError", awsMessage: "weird" });
  });

  test("an AwsError passes through as it is", () => {
    const classified = toAwsError(
      new ResourceNotFoundException({ message: "gone", ...metadata(400) }),
    );
    expect(toAwsError(classified)).toBe(classified);
  });
});

describe("toAwsError() for answers that are not AWS's", () => {
  test("an answer without an error code (a proxy's HTML page) names the HTTP status", () => {
    const html = Object.assign(new Error("Unknown"), {
      name: "Unknown",
      $fault: "server",
      $metadata: { httpStatusCode: 502 },
    });
    expect(toAwsError(html)).toMatchObject({
      awsCode: "HTTP502",
      awsMessage:
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
    const failure = toAwsError(parse);
    expect(failure.awsMessage).toContain("(HTTP 200) could not be parsed");
    expect(failure.message).not.toContain("s3cr3t");
  });

  test("Bun's fetch hint is dropped from network errors", () => {
    const reset = Object.assign(
      new Error(
        "The socket connection was closed unexpectedly. For more information, pass `verbose: true` in the second argument to fetch()",
      ),
      { code: "ECONNRESET" },
    );
    expect(toAwsError(reset).awsMessage).toBe("The socket connection was closed unexpectedly");
  });
});

describe("toAwsErrorFromCode()", () => {
  test("classifies the codes AWS reports inside successful answers by name", () => {
    expect(toAwsErrorFromCode("ResourceNotFoundException", "no such secret")).toMatchObject({
      code: Code.NotFound,
      isServerSide: false,
      message: "ResourceNotFoundException: no such secret",
    });
    expect(toAwsErrorFromCode("DecryptionFailure", "kms").code).toBe(Code.PermissionDenied);
    expect(toAwsErrorFromCode("ThrottlingException", "slow").isServerSide).toBe(true);
  });

  test("an unknown code is a client error, so no failover hides it", () => {
    expect(toAwsErrorFromCode("SomethingNew", "odd")).toMatchObject({
      code: Code.Internal,
      isServerSide: false,
    });
  });
});
