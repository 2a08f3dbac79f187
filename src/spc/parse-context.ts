import type { ParseObjectsOptions } from "./parse-objects.ts";
import type { YamlReadContext } from "./read-yaml-fields.ts";

/** State shared by the per-object rules of one `parseObjects` call. */
export interface ParseContext extends YamlReadContext {
  options: ParseObjectsOptions;
  /** File path → the field that produced it, for collision messages. */
  files: Map<string, string>;
  /** Directory path → the first field whose file needs it. */
  directories: Map<string, string>;
}
