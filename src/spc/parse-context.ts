import type { ClaimedPaths } from "./claim-file-path.ts";
import type { ParseObjectsOptions } from "./parse-objects.ts";
import type { YamlReadContext } from "./read-yaml-fields.ts";

/** State shared by the per-object rules of one `parseObjects` call. */
export interface ParseContext extends YamlReadContext {
  options: ParseObjectsOptions;
  /** The file paths claimed so far, for collision checks (see `claimFilePath`). */
  paths: ClaimedPaths;
}
