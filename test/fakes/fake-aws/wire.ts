/** An AWS error answer; handlers throw it and the server renders it in the service's protocol. */
export class AwsFault extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = "AwsFault";
  }
}

/** Field values in the answer of a JSON 1.1 operation. */
export type JsonObject = { [key: string]: unknown };

const jsonContentType = "application/x-amz-json-1.1";

/** A successful `awsJson1_1` answer. */
export function jsonResponse(body: JsonObject, requestId: string): Response {
  return new Response(JSON.stringify(body), {
    status: 200,
    headers: { "content-type": jsonContentType, "x-amzn-RequestId": requestId },
  });
}

/** An `awsJson1_1` error: `__type` in the body and `x-amzn-ErrorType`, as the SDK reads them. */
export function jsonErrorResponse(fault: AwsFault, requestId: string): Response {
  return new Response(JSON.stringify({ __type: fault.code, message: fault.message }), {
    status: fault.status,
    headers: {
      "content-type": jsonContentType,
      "x-amzn-RequestId": requestId,
      "x-amzn-ErrorType": fault.code,
    },
  });
}

const stsNamespace = "https://sts.amazonaws.com/doc/2011-06-15/";

/** Escapes text for XML element content. */
export function escapeXml(text: string): string {
  return text
    .replaceAll("&", "&amp;")
    .replaceAll("<", "&lt;")
    .replaceAll(">", "&gt;")
    .replaceAll('"', "&quot;")
    .replaceAll("'", "&apos;");
}

/** An XML element tree: text leaves and nested elements, in order. */
export type XmlNode = string | { [element: string]: XmlNode };

/** Serializes `node` as element content. */
export function toXml(node: XmlNode): string {
  if (typeof node === "string") return escapeXml(node);
  return Object.entries(node)
    .map(([name, child]) => `<${name}>${toXml(child)}</${name}>`)
    .join("");
}

/** A successful `awsQuery` answer: `<OpResponse><OpResult>…</OpResult><ResponseMetadata>`. */
export function queryResponse(operation: string, result: XmlNode, requestId: string): Response {
  const xml =
    `<${operation}Response xmlns="${stsNamespace}">` +
    `<${operation}Result>${toXml(result)}</${operation}Result>` +
    `<ResponseMetadata><RequestId>${requestId}</RequestId></ResponseMetadata>` +
    `</${operation}Response>`;
  return new Response(xml, {
    status: 200,
    headers: { "content-type": "text/xml", "x-amzn-RequestId": requestId },
  });
}

/** An `awsQuery` error: `<ErrorResponse><Error><Type>Sender|Receiver</Type><Code>…`. */
export function queryErrorResponse(fault: AwsFault, requestId: string): Response {
  const type = fault.status >= 500 ? "Receiver" : "Sender";
  const xml =
    `<ErrorResponse xmlns="${stsNamespace}">` +
    toXml({ Error: { Type: type, Code: fault.code, Message: fault.message } }) +
    `<RequestId>${requestId}</RequestId></ErrorResponse>`;
  return new Response(xml, {
    status: fault.status,
    headers: { "content-type": "text/xml", "x-amzn-RequestId": requestId },
  });
}

/** Epoch seconds, the `awsJson1_1` timestamp format. */
export function epochSeconds(ms: number): number {
  return ms / 1000;
}

/** Reads an optional string member of a JSON input, rejecting other types like AWS does. */
export function optionalString(input: JsonObject, member: string): string | undefined {
  const value = input[member];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "string") {
    throw new AwsFault(400, "SerializationException", `${member} must be a string`);
  }
  return value;
}

/** Reads an optional list-of-strings member of a JSON input. */
export function optionalStringList(input: JsonObject, member: string): string[] | undefined {
  const value = input[member];
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value) || !value.every((item) => typeof item === "string")) {
    throw new AwsFault(400, "SerializationException", `${member} must be a list of strings`);
  }
  return value;
}

/** Randomness for ids: `count` characters drawn from `alphabet`. */
export function randomChars(count: number, alphabet: string): string {
  const bytes = crypto.getRandomValues(new Uint8Array(count));
  let out = "";
  for (const byte of bytes) out += alphabet[byte % alphabet.length];
  return out;
}

/** Upper-case letters and digits 2–7, the alphabet of AWS access key ids. */
export const keyIdAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
/** Letters and digits. */
export const alphanumeric = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
