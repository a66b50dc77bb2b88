// Generated from spec/powersync-write.yaml by `cargo xtask gen`. Do not edit: change the spec or the generator and regenerate.

/**
 * Validation of raw JSON values against the spec's schemas. Each violation is
 * reported with its path in the value (`$.transactions[0].crud[2].op`) and the JSON
 * Schema keyword that failed, as every language of this project reports them.
 * Nothing below a `type` violation is checked. A validation lists at most
 * {@link MAX_VIOLATIONS} violations, the first ones found while walking the value in
 * schema order, and only counts the others: an invalid value of any size gives a
 * bounded report.
 */

import { schemas, type SchemaName } from "./schemas.ts";

/** One problem found in a value. */
export interface SchemaViolation {
  /** Where: `$` is the value itself, `.name` a property, `[i]` an array element. */
  path: string;
  /** The schema keyword that failed (`type`, `required`, `enum`, ...). */
  keyword: string;
  /** What is wrong, for people. */
  message: string;
}

/**
 * The most violations one validation lists; it only counts the ones after them.
 * The same in every language this project generates.
 */
export const MAX_VIOLATIONS = 100;

/** What a validation found. */
export interface Violations {
  /** The first {@link MAX_VIOLATIONS} violations at most, in the order found. */
  listed: SchemaViolation[];
  /** How many violations were found beyond `listed`. */
  omitted: number;
}

/**
 * Records a violation in `into`: listed while fewer than {@link MAX_VIOLATIONS}
 * are, else only counted. `make` runs only when the violation is listed, so
 * nothing is built past the cap.
 */
export function addViolation(
  into: Violations,
  make: () => SchemaViolation,
): void {
  if (into.listed.length < MAX_VIOLATIONS) {
    into.listed.push(make());
  } else {
    into.omitted += 1;
  }
}

/** A bound of `minimum` or `maximum`. */
export interface Bound {
  value: number;
  exclusive: boolean;
}

/** A schema as the validator walks it (the spec's are in `schemas.ts`). */
export type Schema =
  | { type: "any" }
  | { type: "boolean"; nullable?: boolean }
  | {
      type: "integer";
      format: "int32" | "int64";
      nullable?: boolean;
      /** An integer enum: the value must be one of these (nothing else is checked). */
      enum?: readonly number[];
      minimum?: Bound;
      maximum?: Bound;
    }
  | {
      type: "number";
      nullable?: boolean;
      /** A number enum: the value must equal one of these (nothing else is checked). */
      enum?: readonly number[];
      minimum?: Bound;
      maximum?: Bound;
    }
  | {
      type: "string";
      nullable?: boolean;
      enum?: readonly string[];
      minLength?: number;
      maxLength?: number;
      pattern?: string;
    }
  | {
      type: "array";
      items: Schema;
      nullable?: boolean;
      minItems?: number;
      maxItems?: number;
      uniqueItems?: boolean;
      /** `x-per-item-validation`: a server validates the items one by one. */
      perItem?: boolean;
    }
  | { type: "map"; values: Schema; nullable?: boolean }
  | {
      type: "object";
      properties: Readonly<Record<string, Property>>;
      additionalProperties?: Schema;
      nullable?: boolean;
    }
  | {
      type: "union";
      discriminator: string;
      mapping: Readonly<Record<string, SchemaName>>;
      nullable?: boolean;
    }
  | { type: "ref"; name: SchemaName; nullable?: boolean };

/** A property of an object schema. */
export interface Property {
  schema: Schema;
  required: boolean;
}

/**
 * An item of an array whose items a server validates one by one
 * (`x-per-item-validation`): valid, or as received with its violations (paths
 * from the request body's root, the first {@link MAX_VIOLATIONS} listed).
 */
export type Checked<T> =
  | { valid: true; value: T }
  | {
      valid: false;
      value: unknown;
      violations: SchemaViolation[];
      violationsOmitted: number;
    };

/** `T` as a server receives it: the items of its `K` arrays each {@link Checked}. */
export type Received<T, K extends keyof T> = Omit<T, K> & {
  [P in K]: T[P] extends readonly (infer I)[] ? Checked<I>[] : never;
};

/** `schema`, or the named schema it refers to (followed to the end). */
export function resolve(schema: Schema): Schema {
  let resolved = schema;
  while (resolved.type === "ref") resolved = schemas[resolved.name];
  return resolved;
}

/** Validates `value` against the named schema; nothing listed means valid. */
export function validate(schema: SchemaName, value: unknown): Violations {
  return validateValue(schemas[schema], value);
}

/**
 * Validates `value` against a schema, reporting paths from `path`, and adds the
 * violations to `into` (a new, empty one by default), which it returns.
 */
export function validateValue(
  schema: Schema,
  value: unknown,
  path = "$",
  into: Violations = { listed: [], omitted: 0 },
): Violations {
  check(schema, value, path, into, false);
  return into;
}

/**
 * Validates `value` without the items of its `x-per-item-validation` arrays: what
 * can make a request `400` when those items are validated one by one.
 */
export function validateEnvelope(
  schema: Schema,
  value: unknown,
  path = "$",
  into: Violations = { listed: [], omitted: 0 },
): Violations {
  check(schema, value, path, into, true);
  return into;
}

/**
 * The `x-per-item-validation` arrays of a body schema: each property's name and
 * its items' schema.
 */
export function perItemArrays(schema: Schema): [string, Schema][] {
  const resolved = schema.type === "ref" ? schemas[schema.name] : schema;
  if (resolved.type !== "object") return [];
  return Object.entries(resolved.properties).flatMap(([name, property]) =>
    property.schema.type === "array" && property.schema.perItem === true
      ? [[name, property.schema.items] as [string, Schema]]
      : [],
  );
}

/**
 * Validates each item of an `x-per-item-validation` array on its own, with paths
 * from `path`, the array's own path.
 */
export function checkItems(
  items: Schema,
  values: readonly unknown[],
  path: string,
): Checked<unknown>[] {
  return values.map((value, index): Checked<unknown> => {
    const found = validateValue(items, value, `${path}[${index}]`);
    if (found.listed.length === 0) return { valid: true, value };
    return {
      valid: false,
      value,
      violations: found.listed,
      violationsOmitted: found.omitted,
    };
  });
}
/** The path of property `name` below `path`. */
export function propertyPath(path: string, name: string): string {
  return /^[A-Za-z_][A-Za-z0-9_]*$/.test(name)
    ? `${path}.${name}`
    : `${path}['${name.replace(/[\\']/g, "\\$&")}']`;
}

function typeOf(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "array";
  if (typeof value === "number") {
    return Number.isInteger(value) ? "integer" : "number";
  }
  return typeof value;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function typeViolation(
  out: Violations,
  path: string,
  expected: string,
  value: unknown,
): void {
  addViolation(out, () => ({
    path,
    keyword: "type",
    message: `expected ${expected}, found ${typeOf(value)}`,
  }));
}

/**
 * The walk. With `envelope`, the items of `x-per-item-validation` arrays are left
 * out (their array's own keywords stay).
 */
function check(
  schema: Schema,
  value: unknown,
  path: string,
  out: Violations,
  envelope: boolean,
): void {
  if (schema.type === "any") return;
  if (value === null && schema.nullable === true) return;
  switch (schema.type) {
    case "ref":
      return check(schemas[schema.name], value, path, out, envelope);
    case "boolean":
      if (typeof value !== "boolean") {
        typeViolation(out, path, "boolean", value);
      }
      return;
    case "integer":
      return checkInteger(schema, value, path, out);
    case "number":
      if (typeof value !== "number" || !Number.isFinite(value)) {
        return typeViolation(out, path, "number", value);
      }
      if (schema.enum !== undefined) {
        return checkEnum(schema.enum, value, path, out);
      }
      return checkBounds(schema, value, path, out);
    case "string":
      return checkString(schema, value, path, out);
    case "array":
      return checkArray(schema, value, path, out, envelope);
    case "map":
      if (!isObject(value)) return typeViolation(out, path, "object", value);
      for (const [name, item] of Object.entries(value)) {
        check(schema.values, item, propertyPath(path, name), out, envelope);
      }
      return;
    case "object":
      return checkObject(schema, value, path, out, envelope);
    case "union":
      return checkUnion(schema, value, path, out, envelope);
  }
}

function checkBounds(
  schema: { minimum?: Bound; maximum?: Bound },
  value: number,
  path: string,
  out: Violations,
): void {
  const { minimum, maximum } = schema;
  if (
    minimum !== undefined &&
    (value < minimum.value || (minimum.exclusive && value === minimum.value))
  ) {
    const op = minimum.exclusive ? ">" : ">=";
    addViolation(out, () => ({
      path,
      keyword: "minimum",
      message: `must be ${op} ${minimum.value}`,
    }));
  }
  if (
    maximum !== undefined &&
    (value > maximum.value || (maximum.exclusive && value === maximum.value))
  ) {
    const op = maximum.exclusive ? "<" : "<=";
    addViolation(out, () => ({
      path,
      keyword: "maximum",
      message: `must be ${op} ${maximum.value}`,
    }));
  }
}

function checkInteger(
  schema: Extract<Schema, { type: "integer" }>,
  value: unknown,
  path: string,
  out: Violations,
): void {
  if (typeof value !== "number" || !Number.isInteger(value)) {
    return typeViolation(out, path, "integer", value);
  }
  if (schema.enum !== undefined) {
    return checkEnum(schema.enum, value, path, out);
  }
  // Compared as doubles: 2 ** 63 is exact, while the literal 9223372036854775807
  // would round up to it and let 2 ** 63 through.
  const outside =
    schema.format === "int32"
      ? value < -2147483648 || value > 2147483647
      : value < -(2 ** 63) || value >= 2 ** 63;
  if (outside) {
    addViolation(out, () => ({
      path,
      keyword: "format",
      message: `is outside the ${schema.format} range`,
    }));
  }
  checkBounds(schema, value, path, out);
}

/**
 * `enum`: `value` must be one of `allowed` (strings compare exactly, numbers as
 * numbers: `1.0` is `1`).
 */
function checkEnum<T extends string | number>(
  allowed: readonly T[],
  value: T,
  path: string,
  out: Violations,
): void {
  if (!allowed.includes(value)) {
    addViolation(out, () => ({
      path,
      keyword: "enum",
      message: `must be one of ${allowed.join(", ")}`,
    }));
  }
}

const patterns = new Map<string, RegExp>();

function checkString(
  schema: Extract<Schema, { type: "string" }>,
  value: unknown,
  path: string,
  out: Violations,
): void {
  if (typeof value !== "string") {
    return typeViolation(out, path, "string", value);
  }
  if (schema.enum !== undefined) {
    checkEnum(schema.enum, value, path, out);
  }
  // Lengths count Unicode code points, not UTF-16 units.
  const length = [...value].length;
  if (schema.minLength !== undefined && length < schema.minLength) {
    addViolation(out, () => ({
      path,
      keyword: "minLength",
      message: `must be at least ${schema.minLength} characters long`,
    }));
  }
  if (schema.maxLength !== undefined && length > schema.maxLength) {
    addViolation(out, () => ({
      path,
      keyword: "maxLength",
      message: `must be at most ${schema.maxLength} characters long`,
    }));
  }
  if (schema.pattern !== undefined) {
    let regex = patterns.get(schema.pattern);
    if (regex === undefined) {
      regex = new RegExp(schema.pattern, "u");
      patterns.set(schema.pattern, regex);
    }
    if (!regex.test(value)) {
      addViolation(out, () => ({
        path,
        keyword: "pattern",
        message: `must match the pattern \`${schema.pattern}\``,
      }));
    }
  }
}

function checkArray(
  schema: Extract<Schema, { type: "array" }>,
  value: unknown,
  path: string,
  out: Violations,
  envelope: boolean,
): void {
  if (!Array.isArray(value)) return typeViolation(out, path, "array", value);
  if (schema.minItems !== undefined && value.length < schema.minItems) {
    addViolation(out, () => ({
      path,
      keyword: "minItems",
      message: `must have at least ${schema.minItems} items`,
    }));
  }
  if (schema.maxItems !== undefined && value.length > schema.maxItems) {
    addViolation(out, () => ({
      path,
      keyword: "maxItems",
      message: `must have at most ${schema.maxItems} items`,
    }));
  }
  if (schema.uniqueItems === true && hasDuplicates(value)) {
    addViolation(out, () => ({
      path,
      keyword: "uniqueItems",
      message: "items must be unique",
    }));
  }
  if (envelope && schema.perItem === true) return;
  value.forEach((item, index) => {
    check(schema.items, item, `${path}[${index}]`, out, envelope);
  });
}

function checkObject(
  schema: Extract<Schema, { type: "object" }>,
  value: unknown,
  path: string,
  out: Violations,
  envelope: boolean,
): void {
  if (!isObject(value)) return typeViolation(out, path, "object", value);
  for (const [name, property] of Object.entries(schema.properties)) {
    if (Object.hasOwn(value, name)) {
      const at = propertyPath(path, name);
      check(property.schema, value[name], at, out, envelope);
    } else if (property.required) {
      addViolation(out, () => ({
        path: propertyPath(path, name),
        keyword: "required",
        message: `the property \`${name}\` is required`,
      }));
    }
  }
  const extra = schema.additionalProperties;
  if (extra !== undefined) {
    for (const [name, item] of Object.entries(value)) {
      if (!Object.hasOwn(schema.properties, name)) {
        check(extra, item, propertyPath(path, name), out, envelope);
      }
    }
  }
}

function checkUnion(
  schema: Extract<Schema, { type: "union" }>,
  value: unknown,
  path: string,
  out: Violations,
  envelope: boolean,
): void {
  if (!isObject(value)) return typeViolation(out, path, "object", value);
  const tagPath = propertyPath(path, schema.discriminator);
  if (!Object.hasOwn(value, schema.discriminator)) {
    addViolation(out, () => ({
      path: tagPath,
      keyword: "required",
      message: `the property \`${schema.discriminator}\` is required`,
    }));
    return;
  }
  const tag = value[schema.discriminator];
  if (typeof tag !== "string") {
    return typeViolation(out, tagPath, "string", tag);
  }
  const variant = Object.hasOwn(schema.mapping, tag)
    ? schema.mapping[tag]
    : undefined;
  if (variant === undefined) {
    addViolation(out, () => ({
      path: tagPath,
      keyword: "discriminator",
      message: `must be one of ${Object.keys(schema.mapping).join(", ")}`,
    }));
    return;
  }
  check(schemas[variant], value, path, out, envelope);
}

function hasDuplicates(items: readonly unknown[]): boolean {
  return items.some((a, i) => items.slice(i + 1).some((b) => jsonEqual(a, b)));
}

/** Equality of JSON values: objects compare by their properties, in any order. */
function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) || Array.isArray(b)) {
    return (
      Array.isArray(a) &&
      Array.isArray(b) &&
      a.length === b.length &&
      a.every((item, i) => jsonEqual(item, b[i]))
    );
  }
  if (isObject(a) && isObject(b)) {
    const keys = Object.keys(a);
    return (
      keys.length === Object.keys(b).length &&
      keys.every((k) => Object.hasOwn(b, k) && jsonEqual(a[k], b[k]))
    );
  }
  return false;
}
