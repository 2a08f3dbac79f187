/** The spellings Go's `strconv.ParseBool` accepts, which upstream uses for flags and parameters. */
const goBooleans: Readonly<Record<string, boolean>> = {
  "1": true,
  t: true,
  T: true,
  true: true,
  TRUE: true,
  True: true,
  "0": false,
  f: false,
  F: false,
  false: false,
  FALSE: false,
  False: false,
};

/** Parses `text` as Go's `strconv.ParseBool` does; undefined for any other spelling. */
export function parseGoBool(text: string): boolean | undefined {
  return Object.hasOwn(goBooleans, text) ? goBooleans[text] : undefined;
}
