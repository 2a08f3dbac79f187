// Types of the SDK clients' endpoint rules, which `load-aws-sdk.ts` imports from inside the client
// packages: their JavaScript (dist-es) and their declarations (dist-types) live apart.
declare module "@aws-sdk/client-secrets-manager/dist-es/endpoint/endpointResolver.js" {
  export { defaultEndpointResolver } from "@aws-sdk/client-secrets-manager/dist-types/endpoint/endpointResolver";
}
declare module "@aws-sdk/client-ssm/dist-es/endpoint/endpointResolver.js" {
  export { defaultEndpointResolver } from "@aws-sdk/client-ssm/dist-types/endpoint/endpointResolver";
}
declare module "@aws-sdk/client-sts/dist-es/endpoint/endpointResolver.js" {
  export { defaultEndpointResolver } from "@aws-sdk/client-sts/dist-types/endpoint/endpointResolver";
}
