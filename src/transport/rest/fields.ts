import { ScalarType, type DescField, type DescMessage } from "@bufbuild/protobuf";

/** A field found by its dotted path (proto or JSON names), with the JSON names leading to it. */
export interface FieldAtPath {
  field: DescField;
  jsonPath: string[];
}

/** Finds a field by dotted path of proto or JSON names through singular message fields. */
export function findFieldPath(message: DescMessage, path: string): FieldAtPath | undefined {
  let current: DescMessage | undefined = message;
  const jsonPath: string[] = [];
  let field: DescField | undefined;
  for (const name of path.split(".")) {
    if (current === undefined) return undefined;
    field = current.fields.find((candidate) => candidate.name === name || candidate.jsonName === name);
    if (field === undefined) return undefined;
    jsonPath.push(field.jsonName);
    current = field.fieldKind === "message" ? field.message : undefined;
  }
  return field === undefined ? undefined : { field, jsonPath };
}

/** Sets `value` at `jsonPath` in a JSON object, making the objects on the way. */
export function setJsonPath(target: Record<string, unknown>, jsonPath: readonly string[], value: unknown): void {
  let node = target;
  jsonPath.forEach((key, index) => {
    if (index === jsonPath.length - 1) {
      node[key] = value;
      return;
    }
    const next = node[key];
    if (typeof next !== "object" || next === null || Array.isArray(next)) node[key] = {};
    node = node[key] as Record<string, unknown>;
  });
}

/**
 * The proto3 JSON value of a path, query or header string for `field`. Booleans become
 * JSON booleans; every other kind is read from its string form by the JSON parser.
 * Returns undefined for a boolean that is neither true/false nor 1/0.
 */
export function jsonFromString(field: DescField, value: string): unknown {
  const scalar = field.fieldKind === "scalar" ? field.scalar : field.fieldKind === "list" && field.listKind === "scalar" ? field.scalar : undefined;
  if (scalar === ScalarType.BOOL) {
    if (value === "true" || value === "1" || value === "") return true;
    if (value === "false" || value === "0") return false;
    return undefined;
  }
  return value;
}
