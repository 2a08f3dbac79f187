import type { BreakKind, Faults } from "./faults.ts";
import type { IdentityStore } from "./identity.ts";
import type { SecretsManagerStore } from "./secrets-manager.ts";
import { parseAuthorization, type ReceivedRequest } from "./sigv4.ts";
import type { SsmStore } from "./ssm.ts";
import { handleSts } from "./sts.ts";
import type { RecordedCall } from "./types.ts";
import {
  AwsFault,
  type JsonObject,
  jsonErrorResponse,
  jsonResponse,
  queryErrorResponse,
  queryResponse,
} from "./wire.ts";

/** Everything a request may touch. */
export interface FakeState {
  identity: IdentityStore;
  secretsManager: SecretsManagerStore;
  ssm: SsmStore;
  faults: Faults;
  calls: RecordedCall[];
}

const jsonTargets: Record<string, "secretsmanager" | "ssm"> = {
  secretsmanager: "secretsmanager",
  AmazonSSM: "ssm",
};

/** A parsed request: which service and operation, with which parameters. */
type Routed =
  | { service: "sts"; operation: string; params: URLSearchParams; input: Record<string, string> }
  | { service: "secretsmanager" | "ssm"; operation: string; input: JsonObject };

function route(request: Request, body: string): Routed | AwsFault {
  const target = request.headers.get("x-amz-target");
  if (target !== null) {
    const dot = target.indexOf(".");
    const service = jsonTargets[target.slice(0, dot)];
    const operation = target.slice(dot + 1);
    if (dot < 0 || !service) {
      return new AwsFault(400, "UnknownOperationException", `Unknown target ${target}`);
    }
    let input: unknown;
    try {
      input = JSON.parse(body === "" ? "{}" : body);
    } catch {
      return new AwsFault(400, "SerializationException", "Request body is not valid JSON");
    }
    if (typeof input !== "object" || input === null || Array.isArray(input)) {
      return new AwsFault(400, "SerializationException", "Request body must be a JSON object");
    }
    return { service, operation, input: input as JsonObject };
  }
  const params = new URLSearchParams(body);
  const action = params.get("Action");
  if (request.method !== "POST" || action === null) {
    return new AwsFault(400, "InvalidAction", "Missing X-Amz-Target header or Action parameter");
  }
  return { service: "sts", operation: action, params, input: Object.fromEntries(params) };
}

/** `/region/<region>/…` marks requests sent to `endpointFor(region)`. */
function regionFromPath(pathname: string): string | undefined {
  return /^\/region\/([a-z0-9-]+)(?:\/|$)/.exec(pathname)?.[1];
}

function render(routed: Routed | undefined, fault: AwsFault, requestId: string): Response {
  return routed?.service === "sts"
    ? queryErrorResponse(fault, requestId)
    : jsonErrorResponse(fault, requestId);
}

/** Builds the call record before answering, from what can be read without trusting the request. */
function record(
  state: FakeState,
  routed: Routed,
  received: ReceivedRequest,
  pathRegion: string | undefined,
): RecordedCall {
  const auth = parseAuthorization(received.headers.get("authorization") ?? "");
  const signer = auth ? state.identity.lookup(auth.accessKeyId) : undefined;
  const webIdentity = routed.service === "sts" && routed.operation === "AssumeRoleWithWebIdentity";
  const call: RecordedCall = {
    service: routed.service,
    operation: routed.operation,
    region: auth?.region ?? pathRegion,
    accessKeyId: auth?.accessKeyId,
    roleArn: webIdentity ? (routed.params.get("RoleArn") ?? undefined) : signer?.roleArn,
    sessionName: webIdentity
      ? (routed.params.get("RoleSessionName") ?? undefined)
      : signer?.sessionName,
    webIdentityToken: webIdentity
      ? (routed.params.get("WebIdentityToken") ?? undefined)
      : undefined,
    input: structuredClone(routed.input),
    time: new Date(state.identity.now()),
    status: 0,
    errorCode: undefined,
  };
  state.calls.push(call);
  return call;
}

async function answer(
  state: FakeState,
  routed: Routed,
  received: ReceivedRequest,
  call: RecordedCall,
  requestId: string,
): Promise<Response> {
  const point = { service: routed.service, operation: routed.operation, region: call.region };
  await state.faults.delay(point);
  const broken = state.faults.takeBreak(point);
  if (broken) {
    call.errorCode = `broken:${broken}`;
    return brokenResponse(broken, routed, requestId);
  }
  const injected = state.faults.takeFailure(point);
  if (injected) throw new AwsFault(injected.status, injected.code, injected.message);
  if (routed.service === "sts") {
    const result = await handleSts(state.identity, routed.operation, routed.params, received);
    return queryResponse(routed.operation, result, requestId);
  }
  const { credentials, region } = await state.identity.authenticate(
    received,
    routed.service,
    "json",
  );
  const store = routed.service === "ssm" ? state.ssm : state.secretsManager;
  return jsonResponse(store.handle(routed.operation, routed.input, credentials, region), requestId);
}

/** A body stream that sends `prefix` (if any), then resets the connection. */
function resettingStream(prefix: string): ReadableStream<Uint8Array> {
  const bytes = new TextEncoder().encode(prefix);
  return new ReadableStream<Uint8Array>({
    async start(controller) {
      if (bytes.byteLength === 0) return;
      controller.enqueue(bytes);
      // Let the status line, headers and prefix reach the client before the reset.
      await Bun.sleep(20);
    },
    pull(controller) {
      // Erroring the body makes Bun.serve drop the connection mid-answer, without logging.
      controller.error(undefined);
    },
  });
}

/**
 * The start of a plausible success answer of `routed`, holding no secret: what a reader has when
 * the connection breaks mid-body, or the whole body when it is deliberately malformed.
 */
function bodyPrefix(routed: Routed): string {
  if (routed.service === "sts") {
    return `<${routed.operation}Response xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><${routed.operation}Result><Credentials><AccessKeyId>ASIA`;
  }
  if (routed.service === "ssm") return '{"InvalidParameters":[],"Parameters":[{"Name":"broken",';
  return '{"ARN":"arn:aws:secretsmanager:us-east-1:111122223333:secret:broken","Name":"broken","VersionId":';
}

/** Renders a {@link BreakKind}; `close` and `truncated` reset the connection. */
function brokenResponse(kind: BreakKind, routed: Routed, requestId: string): Response {
  const contentType = routed.service === "sts" ? "text/xml" : "application/x-amz-json-1.1";
  const headers = { "content-type": contentType, "x-amzn-RequestId": requestId };
  switch (kind) {
    case "close":
      return new Response(resettingStream(""), { status: 200, headers });
    case "truncated":
      return new Response(resettingStream(bodyPrefix(routed)), { status: 200, headers });
    case "malformed-json":
      return new Response(bodyPrefix(routed), { status: 200, headers });
    case "html":
      return new Response(
        "<html><head><title>502 Bad Gateway</title></head><body><h1>502 Bad Gateway</h1></body></html>",
        { status: 502, headers: { "content-type": "text/html" } },
      );
  }
}

/** The fetch handler of the fake: route, record, apply faults, authenticate, run, render. */
export async function handleRequest(state: FakeState, request: Request): Promise<Response> {
  const requestId = crypto.randomUUID();
  const body = await request.text();
  const url = new URL(request.url);
  const received: ReceivedRequest = { method: request.method, url, headers: request.headers, body };
  const routed = route(request, body);
  if (routed instanceof AwsFault) return render(undefined, routed, requestId);
  const call = record(state, routed, received, regionFromPath(url.pathname));
  let response: Response;
  try {
    response = await answer(state, routed, received, call, requestId);
  } catch (error) {
    const fault =
      error instanceof AwsFault
        ? error
        : new AwsFault(500, "InternalFailure", `fake-aws: ${String(error)}`);
    call.errorCode = fault.code;
    response = render(routed, fault, requestId);
  }
  call.status = response.status;
  return response;
}
