// Replaced at build time by `bun build --define BUILD_VERSION='"x.y.z"'`; sources run as a dev build.
declare const BUILD_VERSION: string | undefined;

/** Semver of this build, stamped by `make build`; `0.0.0-dev` when running from sources. */
export const version: string = typeof BUILD_VERSION === "string" ? BUILD_VERSION : "0.0.0-dev";

/** Name reported to the driver by `Version` and used in user agents. */
export const runtimeName = "secrets-store-csi-driver-provider-aws";
