// Generated from spec/powersync-write.yaml by `cargo xtask gen`. Do not edit: change the spec or the generator and regenerate.

/**
 * What the PostgreSQL writer (`./postgres.ts`) decides without a database: the
 * canonical text a client's JSON value becomes for a column of each type (or why it
 * cannot), and the class of a database error by its SQLSTATE.
 *
 * These are the rules of the reference backend (its `convert.rs` and
 * `classify.rs`), held to the same shared vectors
 * (`tests/postgres-vectors` in the generator's repository): both convert and
 * classify identically, except for integers beyond 2^53, which JavaScript cannot
 * hold exactly and which this module refuses instead of rounding them.
 */

// ---------------------------------------------------------------------------
// Column types
// ---------------------------------------------------------------------------

/** A column's type, as introspection learns it from the catalog. */
export type ColumnType =
  | "bool"
  | "int2"
  | "int4"
  | "int8"
  | "numeric"
  | "float4"
  | "float8"
  | "text"
  | "uuid"
  | "json"
  | "jsonb"
  | "date"
  | "time"
  | "timetz"
  | "timestamp"
  | "timestamptz"
  | "interval"
  | "bytea"
  /** Any other type: the value is passed as text and the database converts it. */
  | "other"
  | { enum: readonly string[] }
  | { domain: ColumnType }
  | { array: ColumnType };

/** The text for a column (`null`: SQL `NULL`), or why the value cannot be one. */
export type Converted = { ok: true; text: string | null } | Refused;

/** A value that cannot be converted: the message names what was expected. */
export interface Refused {
  ok: false;
  message: string;
}

/**
 * Converts one JSON value (as `JSON.parse` read it) to the text PostgreSQL parses for
 * a column of type `type`; the writer casts it in SQL (`$1::text::type`).
 */
export function toText(type: ColumnType, value: unknown): Converted {
  if (value === null || value === undefined) return { ok: true, text: null };
  const unpaired = findUnpairedSurrogate(value);
  if (unpaired) {
    return refuse(
      `${show(value)} holds an unpaired UTF-16 surrogate (a lone \\ud800-\\udfff escape), which is not Unicode text`,
    );
  }
  const result = convert(type, value);
  return typeof result === "string" ? { ok: true, text: result } : result;
}

/** The largest integer JavaScript holds exactly. */
const SAFE = Number.MAX_SAFE_INTEGER;

function refuse(message: string): Refused {
  return { ok: false, message };
}

function convert(type: ColumnType, value: unknown): string | Refused {
  if (typeof type === "object") {
    if ("enum" in type) {
      if (typeof value === "string" && type.enum.includes(value)) return value;
      return (
        unsafeInteger(value) ??
        refuse(`expected one of ${list(type.enum)}, got ${show(value)}`)
      );
    }
    if ("domain" in type) return convert(type.domain, value);
    return array(type.array, value);
  }
  if (type !== "float4" && type !== "float8") {
    const unsafe = unsafeInteger(value);
    if (unsafe) return unsafe;
  }
  switch (type) {
    case "bool":
      return boolean(value);
    case "int2":
      return integer(value, -32768n, 32767n, "smallint");
    case "int4":
      return integer(value, -2147483648n, 2147483647n, "integer");
    case "int8":
      return integer(value, INT8_MIN, INT8_MAX, "bigint");
    case "numeric":
      return numeric(value);
    case "float4":
      return float(value, true);
    case "float8":
      return float(value, false);
    case "text":
    case "interval":
    case "other":
      return text(value);
    case "uuid":
      return uuid(value);
    case "json":
    case "jsonb":
      return json(value);
    case "date":
      return withString(value, "a date (YYYY-MM-DD)", date);
    case "time":
      return withString(value, "a time (hh:mm[:ss[.fff]])", (s) =>
        time(s, false),
      );
    case "timetz":
      return withString(
        value,
        "a time with offset (hh:mm[:ss[.fff]][Z|+hh:mm])",
        (s) => time(s, true),
      );
    case "timestamp":
      return withString(value, "an ISO 8601 timestamp", (s) =>
        timestamp(s, false),
      );
    case "timestamptz":
      return withString(value, "an ISO 8601 timestamp", (s) =>
        timestamp(s, true),
      );
    case "bytea":
      return withString(value, "base64 or \\x hex bytes", bytea);
  }
}

/**
 * The refusal of a value that is, or holds, an integer JavaScript does not hold
 * exactly: it was rounded when the request was parsed, so its text would not be
 * what the client sent.
 */
function unsafeInteger(value: unknown): Refused | undefined {
  if (typeof value === "number") {
    return Number.isInteger(value) && Math.abs(value) > SAFE
      ? refuse(
          `${show(value)} is an integer beyond ±${SAFE}, which JavaScript cannot hold exactly: send it as a string`,
        )
      : undefined;
  }
  if (typeof value === "object" && value !== null && holdsUnsafe(value)) {
    return refuse(
      `${show(value)} holds an integer beyond ±${SAFE}, which JavaScript cannot hold exactly: send it as a string`,
    );
  }
  return undefined;
}

function holdsUnsafe(value: unknown): boolean {
  if (typeof value === "number") {
    return Number.isInteger(value) && Math.abs(value) > SAFE;
  }
  if (Array.isArray(value)) return value.some(holdsUnsafe);
  if (typeof value === "object" && value !== null) {
    return Object.values(value).some(holdsUnsafe);
  }
  return false;
}

/** A string (or object key) with a lone surrogate, anywhere in `value`. */
function findUnpairedSurrogate(value: unknown): boolean {
  if (typeof value === "string") return UNPAIRED.test(value);
  if (Array.isArray(value)) return value.some(findUnpairedSurrogate);
  if (typeof value === "object" && value !== null) {
    return Object.entries(value).some(
      ([key, member]) => UNPAIRED.test(key) || findUnpairedSurrogate(member),
    );
  }
  return false;
}

const UNPAIRED =
  /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

// ---------------------------------------------------------------------------
// Scalars
// ---------------------------------------------------------------------------

function boolean(value: unknown): string | Refused {
  let truth: boolean | undefined;
  if (typeof value === "boolean") truth = value;
  else if (typeof value === "number") {
    truth = value === 0 ? false : value === 1 ? true : undefined;
  } else if (typeof value === "string") {
    const word = asciiLower(trim(value));
    truth =
      word === "0" || word === "false"
        ? false
        : word === "1" || word === "true"
          ? true
          : undefined;
  }
  return truth === undefined
    ? refuse(`expected a boolean (0, 1, true or false), got ${show(value)}`)
    : String(truth);
}

const INT8_MIN = -(2n ** 63n);
const INT8_MAX = 2n ** 63n - 1n;

function integer(
  value: unknown,
  min: bigint,
  max: bigint,
  name: string,
): string | Refused {
  const outOfRange = (): Refused =>
    refuse(`${show(value)} is out of range for ${name}`);
  let parsed: bigint | undefined;
  if (typeof value === "number") {
    // A REAL holding a whole number (SQLite may store 3 as 3.0) is an integer.
    if (Number.isInteger(value)) parsed = BigInt(value);
  } else if (typeof value === "string") {
    const s = trim(value);
    if (/^[+-]?[0-9]+$/.test(s)) {
      parsed = BigInt(s);
      // All digits but too large for bigint: a range error, not a syntax error.
      if (parsed < INT8_MIN || parsed > INT8_MAX) return outOfRange();
    }
  }
  if (parsed === undefined) {
    return refuse(`expected an integer (${name}), got ${show(value)}`);
  }
  if (parsed < min || parsed > max) return outOfRange();
  return parsed.toString();
}

/** PostgreSQL's numeric limits ("Arbitrary Precision Numbers"). */
const MAX_WHOLE_DIGITS = 131_072n;
const MAX_SCALE = 16_383n;
const I64_MIN = -(2n ** 63n);

function numeric(value: unknown): string | Refused {
  if (typeof value === "number") return String(value);
  if (typeof value !== "string") {
    return refuse(`expected a decimal number, got ${show(value)}`);
  }
  const s = trim(value);
  switch (decimal(s)) {
    case "ok":
      return s;
    case "syntax":
      return refuse(`expected a decimal number, got ${show(value)}`);
    case "too large":
      return refuse(
        `${show(value)} is out of range: PostgreSQL's numeric holds at most ${MAX_WHOLE_DIGITS} digits before the decimal point`,
      );
    case "too precise":
      return refuse(
        `${show(value)} is out of range: PostgreSQL's numeric holds at most ${MAX_SCALE} digits after the decimal point`,
      );
  }
}

/**
 * `[+-]digits[.digits][e[+-]digits]` (either side of the point may be empty, not
 * both), or NaN / Infinity, within numeric's range.
 */
function decimal(s: string): "ok" | "syntax" | "too large" | "too precise" {
  const unsigned = s.startsWith("+") || s.startsWith("-") ? s.slice(1) : s;
  const word = asciiLower(unsigned);
  if (word === "nan") return unsigned.length === s.length ? "ok" : "syntax";
  if (word === "infinity" || word === "inf") return "ok";
  const e = unsigned.search(/[eE]/);
  const mantissa = e < 0 ? unsigned : unsigned.slice(0, e);
  const exponentText = e < 0 ? undefined : unsigned.slice(e + 1);
  const point = mantissa.indexOf(".");
  const whole = point < 0 ? mantissa : mantissa.slice(0, point);
  const fraction = point < 0 ? "" : mantissa.slice(point + 1);
  const digits = (part: string): boolean => /^[0-9]*$/.test(part);
  if (
    (whole === "" && fraction === "") ||
    !digits(whole) ||
    !digits(fraction)
  ) {
    return "syntax";
  }
  let exponent = 0n;
  if (exponentText !== undefined) {
    if (!/^[+-]?[0-9]+$/.test(exponentText)) return "syntax";
    exponent = BigInt(exponentText);
    // Beyond 64 bits: far beyond numeric either way.
    if (exponent < I64_MIN) return "too precise";
    if (exponent > INT8_MAX) return "too large";
  }
  // Digits after the point as written (PostgreSQL keeps trailing zeros: `1.50`).
  if (BigInt(fraction.length) - exponent > MAX_SCALE) return "too precise";
  const significant = whole.replace(/^0+/, "");
  let wholeDigits: bigint;
  if (significant === "") {
    const leadingZeros = /^0*/.exec(fraction)?.[0].length ?? 0;
    if (leadingZeros === fraction.length) return "ok";
    wholeDigits = exponent - BigInt(leadingZeros);
  } else {
    wholeDigits = BigInt(significant.length) + exponent;
  }
  return wholeDigits > MAX_WHOLE_DIGITS ? "too large" : "ok";
}

/** `f32::MAX`: beyond it a `real` overflows. */
const FLOAT4_MAX = 3.4028234663852886e38;

function float(value: unknown, single: boolean): string | Refused {
  let text: string | undefined;
  let parsed: number | undefined;
  if (typeof value === "number") {
    text = String(value);
    parsed = value;
  } else if (typeof value === "string") {
    text = trim(value);
    parsed = parseFloat64(text);
  }
  if (parsed === undefined || text === undefined) {
    return refuse(`expected a floating-point number, got ${show(value)}`);
  }
  if (single && Number.isFinite(parsed) && Math.abs(parsed) > FLOAT4_MAX) {
    return refuse(`${show(value)} is out of range for real`);
  }
  return text;
}

/**
 * A float in Rust's `f64` syntax: `[+-]` then `inf`, `infinity`, `nan` (any case),
 * or digits with an optional point and exponent. `undefined` otherwise.
 */
function parseFloat64(s: string): number | undefined {
  const match =
    /^([+-]?)(?:(inf|infinity|nan)|((?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?))$/i.exec(
      s,
    );
  if (!match) return undefined;
  const [, sign, word, number] = match;
  if (word !== undefined) {
    if (asciiLower(word) === "nan") return NaN;
    return sign === "-" ? -Infinity : Infinity;
  }
  return Number(`${sign ?? ""}${number ?? ""}`);
}

function text(value: unknown): string | Refused {
  // Numbers, booleans and structured values as their JSON text.
  const written = typeof value === "string" ? value : JSON.stringify(value);
  if (written.includes("\0")) {
    return refuse("text cannot contain NUL characters");
  }
  return written;
}

const HYPHENATED =
  "[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}";
const UUID = new RegExp(
  `^(?:${HYPHENATED}|[0-9a-fA-F]{32}|\\{${HYPHENATED}\\}|[uU][rR][nN]:[uU][uU][iI][dD]:${HYPHENATED})$`,
);

function uuid(value: unknown): string | Refused {
  if (typeof value === "string") {
    const s = trim(value);
    if (UUID.test(s)) {
      const hex = s
        .slice(s.length === 45 ? 9 : 0)
        .replace(/[^0-9a-fA-F]/g, "")
        .toLowerCase();
      return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
    }
  }
  return refuse(`expected a UUID, got ${show(value)}`);
}

function json(value: unknown): string | Refused {
  if (typeof value === "string") {
    // SQLite keeps JSON as text: the string must be a JSON document.
    try {
      JSON.parse(value);
      return value;
    } catch {
      return refuse(`expected JSON text, got ${show(value)}`);
    }
  }
  return JSON.stringify(value);
}

// ---------------------------------------------------------------------------
// Arrays
// ---------------------------------------------------------------------------

/** Nesting the reference backend's JSON parser refuses (serde_json's limit). */
const MAX_NESTING = 128;

function array(element: ColumnType, value: unknown): string | Refused {
  let items: unknown[] | undefined;
  if (Array.isArray(value)) items = value;
  else if (typeof value === "string") {
    let parsed: unknown;
    try {
      parsed = JSON.parse(value);
    } catch {
      parsed = undefined;
    }
    // What the reference backend's parser refuses: deep nesting, numbers beyond
    // a double (JSON.parse makes them Infinity), unpaired surrogates.
    if (
      Array.isArray(parsed) &&
      nesting(parsed) < MAX_NESTING &&
      !holdsInfinity(parsed) &&
      !findUnpairedSurrogate(parsed)
    ) {
      items = parsed;
    }
  }
  if (items === undefined) {
    return refuse(`expected a JSON array, got ${show(value)}`);
  }
  const out = { text: "{" };
  const failed = renderItems(element, items, out, []);
  if (failed) return failed;
  return `${out.text}}`;
}

function holdsInfinity(value: unknown): boolean {
  if (typeof value === "number") return !Number.isFinite(value);
  if (typeof value === "object" && value !== null) {
    return Object.values(value).some(holdsInfinity);
  }
  return false;
}

/** How deep arrays and objects nest in `value` (a scalar: 0). */
function nesting(value: unknown): number {
  if (Array.isArray(value)) {
    return 1 + value.reduce<number>((m, v) => Math.max(m, nesting(v)), 0);
  }
  if (typeof value === "object" && value !== null) {
    return (
      1 +
      Object.values(value).reduce<number>((m, v) => Math.max(m, nesting(v)), 0)
    );
  }
  return 0;
}

/**
 * Renders an array literal's items; nested JSON arrays are further dimensions
 * (except for JSON elements, where an array is one element's value).
 */
function renderItems(
  element: ColumnType,
  items: readonly unknown[],
  out: { text: string },
  path: number[],
): Refused | undefined {
  const jsonElements = isJson(element);
  for (const [index, item] of items.entries()) {
    if (index > 0) out.text += ",";
    path.push(index);
    if (item === null) {
      out.text += "NULL";
    } else if (Array.isArray(item) && !jsonElements) {
      out.text += "{";
      const failed = renderItems(element, item, out, path);
      if (failed) return failed;
      out.text += "}";
    } else {
      const converted = jsonElements
        ? (unsafeInteger(item) ?? JSON.stringify(item))
        : convert(element, item);
      if (typeof converted !== "string") {
        const at = path.map((i) => `[${i}]`).join("");
        return refuse(`element ${at}: ${converted.message}`);
      }
      out.text += `"${converted.replace(/["\\]/g, "\\$&")}"`;
    }
    path.pop();
  }
  return undefined;
}

function isJson(type: ColumnType): boolean {
  while (typeof type === "object" && "domain" in type) type = type.domain;
  return type === "json" || type === "jsonb";
}

// ---------------------------------------------------------------------------
// Bytes
// ---------------------------------------------------------------------------

function bytea(s: string): string | undefined {
  if (s.startsWith("\\x")) {
    const hex = s.slice(2);
    return hex.length % 2 === 0 && /^[0-9a-fA-F]*$/.test(hex)
      ? `\\x${hex.toLowerCase()}`
      : undefined;
  }
  const bytes = base64(trim(s), STANDARD) ?? base64(trim(s), URL_SAFE);
  if (bytes === undefined) return undefined;
  return `\\x${bytes.map((b) => b.toString(16).padStart(2, "0")).join("")}`;
}

const STANDARD =
  "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const URL_SAFE =
  "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/**
 * Strict base64 with padding optional (the reference backend's `base64` crate,
 * `*_PAD_INDIFFERENT`): no white space, padding only to complete the last group,
 * and the last symbol's unused bits zero.
 */
function base64(s: string, alphabet: string): number[] | undefined {
  // Padding may only complete a final group of 2 symbols (1 or 2 `=`) or 3 (one).
  const body = s.replace(/=+$/, "");
  const padding = s.length - body.length;
  const partial = body.length % 4;
  if (
    padding > 0 &&
    !(partial === 2 && padding <= 2) &&
    !(partial === 3 && padding === 1)
  ) {
    return undefined;
  }
  if (body.length % 4 === 1) return undefined;
  const values: number[] = [];
  for (const char of body) {
    const at = alphabet.indexOf(char);
    if (at < 0) return undefined;
    values.push(at);
  }
  const bytes: number[] = [];
  for (let i = 0; i < values.length; i += 4) {
    const group = values.slice(i, i + 4);
    const bits = group.reduce((acc, v) => (acc << 6) | v, 0);
    const count = group.length;
    if (count === 4) {
      bytes.push((bits >> 16) & 255, (bits >> 8) & 255, bits & 255);
    } else if (count === 3) {
      if ((bits & 0b11) !== 0) return undefined;
      bytes.push((bits >> 10) & 255, (bits >> 2) & 255);
    } else {
      if ((bits & 0b1111) !== 0) return undefined;
      bytes.push((bits >> 4) & 255);
    }
  }
  return bytes;
}

// ---------------------------------------------------------------------------
// Dates and times
// ---------------------------------------------------------------------------

/** Applies a string parser; anything else or an unparsable string is refused. */
function withString(
  value: unknown,
  expected: string,
  parse: (s: string) => string | undefined,
): string | Refused {
  if (typeof value === "string") {
    const s = trim(value);
    // Every form these parsers take is ASCII.
    const parsed = /^[\x00-\x7f]*$/.test(s) ? parse(s) : undefined;
    if (parsed !== undefined) return parsed;
  }
  return refuse(`expected ${expected}, got ${show(value)}`);
}

function isInfinity(s: string): boolean {
  const word = asciiLower(s);
  return word === "infinity" || word === "-infinity";
}

function date(s: string): string | undefined {
  if (isInfinity(s)) return s;
  return parseDate(s) ? s : undefined;
}

function time(s: string, withZone: boolean): string | undefined {
  const split = splitOffset(s);
  if (!split) return undefined;
  const [clock, offset] = split;
  if (offset !== undefined && !withZone) return undefined;
  return parseTime(clock) ? s : undefined;
}

/**
 * ISO 8601 date-time with `T` or a space, optional fraction and offset; a date
 * alone is midnight. Without a time zone, an offset is applied: the instant's UTC
 * wall-clock time is stored.
 */
function timestamp(s: string, withZone: boolean): string | undefined {
  if (isInfinity(s)) return s;
  if (s.length === 10) return parseDate(s) ? s : undefined;
  const datePart = s.slice(0, 10);
  const separator = s.slice(10, 11);
  if (!["T", "t", " "].includes(separator)) return undefined;
  const ymd = parseDate(datePart);
  if (!ymd) return undefined;
  const split = splitOffset(s.slice(11));
  if (!split) return undefined;
  const [clock, offset] = split;
  const hms = parseTime(clock);
  if (!hms) return undefined;
  if (offset === undefined) return `${datePart} ${clock}`;
  if (withZone) return s;
  const [year, month, day] = ymd;
  const [hour, minute, second, fraction] = hms;
  const total = hour * 3600 + minute * 60 + second - offset * 60;
  const days = daysFromCivil(year, month, day) + Math.floor(total / 86_400);
  const rest = total - Math.floor(total / 86_400) * 86_400;
  const [y, m, d] = civilFromDays(days);
  const two = (n: number): string => String(n).padStart(2, "0");
  return `${String(y).padStart(4, "0")}-${two(m)}-${two(d)} ${two(Math.floor(rest / 3600))}:${two(Math.floor((rest % 3600) / 60))}:${two(rest % 60)}${fraction}`;
}

function number(s: string | undefined, digits: number): number | undefined {
  if (s === undefined || s.length !== digits || !/^[0-9]+$/.test(s)) {
    return undefined;
  }
  return Number(s);
}

function parseDate(s: string): [number, number, number] | undefined {
  const parts = s.split("-");
  if (parts.length !== 3) return undefined;
  const year = number(parts[0], 4);
  const month = number(parts[1], 2);
  const day = number(parts[2], 2);
  if (year === undefined || month === undefined || day === undefined) {
    return undefined;
  }
  if (month < 1 || month > 12 || year === 0) return undefined;
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  const daysInMonth =
    month === 2 ? (leap ? 29 : 28) : [4, 6, 9, 11].includes(month) ? 30 : 31;
  return day >= 1 && day <= daysInMonth ? [year, month, day] : undefined;
}

/** `hh:mm[:ss[.fraction]]` -> [h, m, s, ".fraction" or ""]. */
function parseTime(s: string): [number, number, number, string] | undefined {
  const point = s.indexOf(".");
  const main = point < 0 ? s : s.slice(0, point);
  const fraction = point < 0 ? "" : s.slice(point);
  if (fraction.length === 1 || !/^[0-9]*$/.test(fraction.slice(1))) {
    return undefined;
  }
  const parts = main.split(":");
  if (parts.length > 3) return undefined;
  const hour = number(parts[0], 2);
  const minute = number(parts[1], 2);
  let second: number | undefined;
  if (parts.length === 3) second = number(parts[2], 2);
  else if (fraction === "") second = 0;
  if (hour === undefined || minute === undefined || second === undefined) {
    return undefined;
  }
  if (minute > 59 || second > 59) return undefined;
  const endOfDay =
    hour === 24 &&
    minute === 0 &&
    second === 0 &&
    /^[0]*$/.test(fraction.slice(1));
  return hour <= 23 || endOfDay ? [hour, minute, second, fraction] : undefined;
}

/** Splits a trailing `Z` or `±hh[[:]mm]` off a time; the offset in minutes. */
function splitOffset(s: string): [string, number | undefined] | undefined {
  if (s.endsWith("Z") || s.endsWith("z")) return [s.slice(0, -1), 0];
  const at = Math.max(s.lastIndexOf("+"), s.lastIndexOf("-"));
  if (at < 0) return [s, undefined];
  const clock = s.slice(0, at);
  const sign = s[at] === "-" ? -1 : 1;
  const zone = s.slice(at + 1);
  const two = (from: number): number | undefined =>
    number(zone.slice(from, from + 2), 2);
  let hours: number | undefined;
  let minutes: number | undefined;
  if (zone.length === 2) [hours, minutes] = [two(0), 0];
  else if (zone.length === 4) [hours, minutes] = [two(0), two(2)];
  else if (zone.length === 5 && zone[2] === ":") {
    [hours, minutes] = [two(0), two(3)];
  }
  if (hours === undefined || minutes === undefined) return undefined;
  if (hours > 15 || minutes > 59) return undefined;
  return [clock, sign * (hours * 60 + minutes)];
}

/** Days since 1970-01-01 (Howard Hinnant's algorithm). */
function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yearOfEra = y - era * 400;
  const dayOfYear =
    Math.floor((153 * (month > 2 ? month - 3 : month + 9) + 2) / 5) + day - 1;
  const dayOfEra =
    yearOfEra * 365 +
    Math.floor(yearOfEra / 4) -
    Math.floor(yearOfEra / 100) +
    dayOfYear;
  return era * 146_097 + dayOfEra - 719_468;
}

function civilFromDays(days: number): [number, number, number] {
  const z = days + 719_468;
  const era = Math.floor(z / 146_097);
  const dayOfEra = z - era * 146_097;
  const yearOfEra = Math.floor(
    (dayOfEra -
      Math.floor(dayOfEra / 1460) +
      Math.floor(dayOfEra / 36_524) -
      Math.floor(dayOfEra / 146_096)) /
      365,
  );
  const dayOfYear =
    dayOfEra -
    (365 * yearOfEra + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100));
  const mp = Math.floor((5 * dayOfYear + 2) / 153);
  const day = dayOfYear - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  return [yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day];
}

// ---------------------------------------------------------------------------
// Text helpers
// ---------------------------------------------------------------------------

/**
 * White space trimmed as Rust's `str::trim` does (Unicode `White_Space`): unlike
 * `String.prototype.trim`, U+0085 is trimmed and U+FEFF is not.
 */
function trim(s: string): string {
  return s.replace(TRIM_START, "").replace(TRIM_END, "");
}

const WHITE_SPACE =
  "\\u0009-\\u000d\\u0020\\u0085\\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000";
const TRIM_START = new RegExp(`^[${WHITE_SPACE}]+`);
const TRIM_END = new RegExp(`[${WHITE_SPACE}]+$`);

function asciiLower(s: string): string {
  return s.replace(/[A-Z]/g, (c) => c.toLowerCase());
}

/** A value for a message, cut short at 60 characters (code points). */
function show(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  const chars = Array.from(text);
  return chars.length > 60 ? `${chars.slice(0, 60).join("")}...` : text;
}

function list(labels: readonly string[]): string {
  const more = labels.length > 10 ? ", ..." : "";
  return `[${labels.slice(0, 10).join(", ")}${more}]`;
}

// ---------------------------------------------------------------------------
// SQLSTATE classification
// ---------------------------------------------------------------------------

/** What a database error means: retry later, or a fatal error code. */
export type ErrorClass = "retryable" | { fatal: string };

/**
 * The class of a SQLSTATE, or `undefined` when unknown (the writer answers those
 * fatal `UNCLASSIFIED_ERROR`, kept as a dead letter).
 *
 * Retryable: class 08 (connection), 40 (serialization failure, deadlock), 53
 * (insufficient resources), 57 (operator intervention: shutdown, terminated
 * backend, cancel: a statement timeout means contention or load, which passes),
 * 58 (system / I/O error), 55P03 (lock not available), 25006 (read-only
 * transaction: a standby, or a failover in progress), and 26000 and 42P05 (a
 * prepared statement missing or already there: the connection's doing, typically
 * a pooler in transaction mode, not the data's).
 */
export function classifySqlState(sqlstate: string): ErrorClass | undefined {
  if (sqlstate.length !== 5 || !/^[\x00-\x7f]*$/.test(sqlstate)) {
    return undefined;
  }
  const fatal = (code: string): ErrorClass => ({ fatal: code });
  switch (sqlstate) {
    case "23502":
      return fatal("NOT_NULL_VIOLATION");
    case "23503":
      return fatal("FOREIGN_KEY_VIOLATION");
    case "23505":
      return fatal("UNIQUE_VIOLATION");
    case "23514":
      return fatal("CHECK_VIOLATION");
  }
  const cls = sqlstate.slice(0, 2);
  if (cls === "23") return fatal("CONSTRAINT_VIOLATION");
  if (cls === "22") return fatal("INVALID_DATA");
  // Prepared statements lost or mixed up between connections (a pooler).
  if (sqlstate === "26000" || sqlstate === "42P05") return "retryable";
  // insufficient_privilege: a missing GRANT or a row-level-security policy.
  if (sqlstate === "42501") return fatal("UNAUTHORIZED");
  if (cls === "42") return fatal("SCHEMA_MISMATCH");
  if (sqlstate === "55P03" || sqlstate === "25006") return "retryable";
  if (["08", "40", "53", "57", "58"].includes(cls)) return "retryable";
  return undefined;
}
