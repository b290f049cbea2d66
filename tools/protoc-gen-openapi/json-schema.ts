import { ScalarType, type DescEnum, type DescField, type DescMessage } from "@bufbuild/protobuf";
import { FeatureSet_FieldPresence } from "@bufbuild/protobuf/wkt";
import { getComments } from "@bufbuild/protoplugin";

/** A JSON Schema (2020-12, the dialect of OpenAPI 3.1) as plain data. */
export type JsonSchema = Record<string, unknown>;

/** Where the schemas of messages and enums are collected, keyed by their full proto name. */
export interface SchemaComponents {
  /**
   * A `$ref` to the schema of `message` in `direction`, adding it (and what it uses) to the
   * components: named by the message's full name, and `<name>-Input` for what a client sends
   * where that differs (an answer requires the fields the server always writes, a request none).
   */
  refTo(message: DescMessage, direction: Direction): JsonSchema;
  /** The schema of `message` with the named top-level fields left out (inline). */
  messageSchema(message: DescMessage, omit: ReadonlySet<string>, direction: Direction): JsonSchema;
  /** The schema of one field's proto3 JSON value, as a client sends it unless `direction` says otherwise. */
  fieldSchema(field: DescField, direction?: Direction): JsonSchema;
  /** The collected schemas. */
  readonly schemas: Record<string, JsonSchema>;
}

/**
 * Whether a schema describes what a client sends or what the server answers: the server
 * answers every field without explicit presence (`toJson` with `alwaysEmitImplicit`), so those
 * are required in answers; clients may leave any field out.
 */
export type Direction = "request" | "response";

/** JSON names of well-known types, as proto3 JSON writes them. */
const wellKnown: Record<string, JsonSchema> = {
  "google.protobuf.Timestamp": { type: "string", format: "date-time" },
  "google.protobuf.Duration": { type: "string", pattern: "^-?[0-9]+(\\.[0-9]{1,9})?s$" },
  "google.protobuf.Struct": { type: "object", additionalProperties: true },
  "google.protobuf.Value": {},
  "google.protobuf.ListValue": { type: "array", items: {} },
  "google.protobuf.Empty": { type: "object", additionalProperties: false },
  "google.protobuf.FieldMask": { type: "string" },
  "google.protobuf.Any": { type: "object", properties: { "@type": { type: "string" } }, required: ["@type"], additionalProperties: true },
  "google.protobuf.StringValue": { type: ["string", "null"] },
  "google.protobuf.BytesValue": { type: ["string", "null"], contentEncoding: "base64" },
  "google.protobuf.BoolValue": { type: ["boolean", "null"] },
  "google.protobuf.DoubleValue": { type: ["number", "null"] },
  "google.protobuf.FloatValue": { type: ["number", "null"] },
  "google.protobuf.Int32Value": { type: ["integer", "null"], format: "int32" },
  "google.protobuf.UInt32Value": { type: ["integer", "null"], format: "uint32" },
  "google.protobuf.Int64Value": { type: ["string", "integer", "null"], format: "int64" },
  "google.protobuf.UInt64Value": { type: ["string", "integer", "null"], format: "uint64" },
};

/**
 * The schemas of messages by their proto3 JSON mapping: JSON names, enums by value name,
 * 64-bit integers as strings (numbers accepted), bytes as base64, maps as objects, and the
 * well-known types as their JSON forms. Each message is one component named by its full name.
 */
export function createSchemaComponents(): SchemaComponents {
  const schemas: Record<string, JsonSchema> = {};
  const pointer = (typeName: string) => ({ $ref: `#/components/schemas/${typeName}` });

  const refTo = (message: DescMessage, direction: Direction): JsonSchema => {
    const known = wellKnown[message.typeName];
    if (known !== undefined) return { ...known };
    const name = direction === "request" && requiresInAnswers(message) ? `${message.typeName}-Input` : message.typeName;
    if (!(name in schemas)) {
      schemas[name] = {}; // reserve the name: a message may contain itself
      schemas[name] = messageSchema(message, new Set(), direction);
    }
    return pointer(name);
  };

  // Whether the answer schema of a message (or of one it holds) requires a field, so that the
  // request schema, which requires none, is a component of its own.
  const requiresInAnswers = (message: DescMessage, seen: Set<string> = new Set()): boolean => {
    if (seen.has(message.typeName)) return false; // a message holding itself adds nothing
    seen.add(message.typeName);
    return message.fields.some((field) => {
      if (alwaysEmitted(field)) return true;
      const inner = heldMessage(field);
      return inner !== undefined && !(inner.typeName in wellKnown) && requiresInAnswers(inner, seen);
    });
  };

  const enumRef = (desc: DescEnum): JsonSchema => {
    if (desc.typeName === "google.protobuf.NullValue") return { type: "null" };
    if (!(desc.typeName in schemas)) {
      schemas[desc.typeName] = withDescription({ type: "string", enum: desc.values.map((value) => value.name) }, commentOf(desc));
    }
    return pointer(desc.typeName);
  };

  const fieldSchema = (field: DescField, direction: Direction = "request"): JsonSchema => {
    switch (field.fieldKind) {
      case "scalar":
        return scalarSchema(field.scalar);
      case "enum":
        return enumRef(field.enum);
      case "message":
        return refTo(field.message, direction);
      case "list":
        return {
          type: "array",
          items: field.listKind === "scalar" ? scalarSchema(field.scalar) : field.listKind === "enum" ? enumRef(field.enum) : refTo(field.message, direction),
        };
      case "map":
        return {
          type: "object",
          additionalProperties: field.mapKind === "scalar" ? scalarSchema(field.scalar) : field.mapKind === "enum" ? enumRef(field.enum) : refTo(field.message, direction),
        };
    }
  };

  const messageSchema = (message: DescMessage, omit: ReadonlySet<string>, direction: Direction): JsonSchema => {
    const properties: Record<string, JsonSchema> = {};
    const required: string[] = [];
    for (const field of message.fields) {
      if (omit.has(field.name)) continue;
      properties[field.jsonName] = withDescription(fieldSchema(field, direction), commentOf(field));
      if (direction === "response" && alwaysEmitted(field)) required.push(field.jsonName);
    }
    const schema: JsonSchema = { type: "object", properties };
    if (required.length > 0) schema.required = required;
    return withDescription(schema, commentOf(message));
  };

  return { refTo, messageSchema, fieldSchema, schemas };
}

/** The message a field holds (itself, as list items or as map values), if any. */
function heldMessage(field: DescField): DescMessage | undefined {
  if (field.fieldKind === "message") return field.message;
  if (field.fieldKind === "list" && field.listKind === "message") return field.message;
  if (field.fieldKind === "map" && field.mapKind === "message") return field.message;
  return undefined;
}

/** Whether `toJson` with `alwaysEmitImplicit` writes the field even when it holds its zero value. */
function alwaysEmitted(field: DescField): boolean {
  if (field.fieldKind === "list" || field.fieldKind === "map") return true;
  if (field.fieldKind === "message" || field.oneof !== undefined) return false;
  return field.presence === FeatureSet_FieldPresence.IMPLICIT;
}

function scalarSchema(scalar: ScalarType): JsonSchema {
  switch (scalar) {
    case ScalarType.STRING:
      return { type: "string" };
    case ScalarType.BOOL:
      return { type: "boolean" };
    case ScalarType.BYTES:
      return { type: "string", contentEncoding: "base64" };
    case ScalarType.DOUBLE:
    case ScalarType.FLOAT:
      return { type: "number" };
    case ScalarType.INT32:
    case ScalarType.SINT32:
    case ScalarType.SFIXED32:
      return { type: "integer", format: "int32" };
    case ScalarType.UINT32:
    case ScalarType.FIXED32:
      return { type: "integer", format: "uint32", minimum: 0 };
    case ScalarType.INT64:
    case ScalarType.SINT64:
    case ScalarType.SFIXED64:
      return { type: ["string", "integer"], format: "int64" };
    case ScalarType.UINT64:
    case ScalarType.FIXED64:
      return { type: ["string", "integer"], format: "uint64" };
  }
}

/** The leading comment of a descriptor, trimmed; empty when it has none. */
export function commentOf(desc: Parameters<typeof getComments>[0]): string {
  // protoc keeps the space after `//` on every line.
  return (getComments(desc).leading ?? "")
    .split("\n")
    .map((line) => line.replace(/^ /, ""))
    .join("\n")
    .trim();
}

/** `schema` with `description` when there is one (a `$ref` keeps its siblings in 3.1). */
export function withDescription(schema: JsonSchema, description: string): JsonSchema {
  return description === "" ? schema : { ...schema, description };
}
