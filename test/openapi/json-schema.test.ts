import { create, createFileRegistry, toJson, fromJson, type DescMessage, type JsonValue } from "@bufbuild/protobuf";
import {
  FieldDescriptorProto_Label as Label,
  FieldDescriptorProto_Type as Type,
  FieldDescriptorProtoSchema,
  FileDescriptorProtoSchema,
  FileDescriptorSetSchema,
  file_google_protobuf_struct,
  file_google_protobuf_timestamp,
  type FieldDescriptorProto,
} from "@bufbuild/protobuf/wkt";
import { describe, expect, it } from "vitest";
import { createSchemaComponents } from "../../tools/protoc-gen-openapi/json-schema.js";

type FieldExtra = Partial<Pick<FieldDescriptorProto, "label" | "typeName" | "proto3Optional" | "oneofIndex">>;
const field = (name: string, number: number, type: Type, extra: FieldExtra = {}): FieldDescriptorProto =>
  create(FieldDescriptorProtoSchema, { name, number, type, label: Label.OPTIONAL, jsonName: jsonNameOf(name), ...extra });

/** A message with a field of every kind the proto3 JSON mapping treats apart. */
function sample(): DescMessage {
  const file = create(FileDescriptorProtoSchema, {
    name: "sample/v1/sample.proto",
    package: "sample.v1",
    syntax: "proto3",
    dependency: ["google/protobuf/timestamp.proto", "google/protobuf/struct.proto"],
    enumType: [{ name: "Color", value: [{ name: "COLOR_UNSPECIFIED", number: 0 }, { name: "COLOR_RED", number: 1 }] }],
    messageType: [
      {
        name: "Sample",
        field: [
          field("count", 1, Type.INT64),
          field("small", 2, Type.INT32),
          field("blob", 3, Type.BYTES),
          field("color", 4, Type.ENUM, { typeName: ".sample.v1.Color" }),
          field("tags", 5, Type.STRING, { label: Label.REPEATED }),
          field("labels", 6, Type.MESSAGE, { label: Label.REPEATED, typeName: ".sample.v1.Sample.LabelsEntry" }),
          field("created_at", 7, Type.MESSAGE, { typeName: ".google.protobuf.Timestamp" }),
          field("extra", 8, Type.MESSAGE, { typeName: ".google.protobuf.Struct" }),
          field("child", 9, Type.MESSAGE, { typeName: ".sample.v1.Sample" }),
          field("nickname", 10, Type.STRING, { proto3Optional: true, oneofIndex: 0 }),
          field("ratio", 11, Type.DOUBLE),
          field("enabled", 12, Type.BOOL),
        ],
        oneofDecl: [{ name: "_nickname" }],
        nestedType: [
          {
            name: "LabelsEntry",
            field: [field("key", 1, Type.STRING), field("value", 2, Type.UINT64)],
            options: { mapEntry: true },
          },
        ],
      },
    ],
  });
  const registry = createFileRegistry(create(FileDescriptorSetSchema, { file: [file_google_protobuf_timestamp.proto, file_google_protobuf_struct.proto, file] }));
  return registry.getMessage("sample.v1.Sample")!;
}

function jsonNameOf(name: string): string {
  return name.replace(/_([a-z])/g, (_, letter: string) => letter.toUpperCase());
}

describe("JSON schemas of messages (proto3 JSON mapping)", () => {
  const message = sample();
  const components = createSchemaComponents();
  const schema = components.messageSchema(message, new Set(["enabled"]), "response");
  const properties = schema.properties as Record<string, unknown>;

  it.each([
    ["count", { type: ["string", "integer"], format: "int64" }],
    ["small", { type: "integer", format: "int32" }],
    ["blob", { type: "string", contentEncoding: "base64" }],
    ["color", { $ref: "#/components/schemas/sample.v1.Color" }],
    ["tags", { type: "array", items: { type: "string" } }],
    ["labels", { type: "object", additionalProperties: { type: ["string", "integer"], format: "uint64" } }],
    ["createdAt", { type: "string", format: "date-time" }],
    ["extra", { type: "object", additionalProperties: true }],
    ["child", { $ref: "#/components/schemas/sample.v1.Sample" }],
    ["nickname", { type: "string" }],
    ["ratio", { type: "number" }],
  ])("%s", (name, expected) => {
    expect(properties[name]).toEqual(expected);
  });

  it("names properties by their JSON names, leaves out the omitted ones, and requires what the server always writes", () => {
    expect(Object.keys(properties)).not.toContain("enabled");
    expect(Object.keys(properties)).not.toContain("created_at");
    // Implicit-presence scalars, enums, lists and maps are always written; messages and optionals are not.
    expect(schema.required).toEqual(["count", "small", "blob", "color", "tags", "labels", "ratio"]);
  });

  it("collects enums by value name and recursive messages once", () => {
    expect(components.schemas["sample.v1.Color"]).toEqual({ type: "string", enum: ["COLOR_UNSPECIFIED", "COLOR_RED"] });
    expect((components.schemas["sample.v1.Sample"]?.properties as Record<string, unknown>).child).toEqual({ $ref: "#/components/schemas/sample.v1.Sample" });
  });

  it("agrees with what toJson writes for the always-written fields", () => {
    const written = toJson(message, fromJson(message, { count: "5" } as JsonValue), { alwaysEmitImplicit: true }) as Record<string, unknown>;
    expect(Object.keys(written).filter((key) => key !== "enabled").sort()).toEqual([...(schema.required as string[])].sort());
    expect(typeof written.count).toBe("string");
  });
});

describe("shared components per direction", () => {
  const message = sample();

  it("an answer's nested message requires what the server always writes; a request's requires nothing", () => {
    const components = createSchemaComponents();
    expect(components.refTo(message, "response")).toEqual({ $ref: "#/components/schemas/sample.v1.Sample" });
    expect(components.refTo(message, "request")).toEqual({ $ref: "#/components/schemas/sample.v1.Sample-Input" });
    const answer = components.schemas["sample.v1.Sample"]!;
    const input = components.schemas["sample.v1.Sample-Input"]!;
    expect(answer.required).toEqual(["count", "small", "blob", "color", "tags", "labels", "ratio", "enabled"]);
    expect(input.required).toBeUndefined();
    // Each direction's nested messages stay in that direction.
    expect((answer.properties as Record<string, unknown>).child).toEqual({ $ref: "#/components/schemas/sample.v1.Sample" });
    expect((input.properties as Record<string, unknown>).child).toEqual({ $ref: "#/components/schemas/sample.v1.Sample-Input" });
  });

  it("a message whose answer requires nothing is one component for both directions", () => {
    // Only an optional scalar and a message field: toJson writes neither when unset.
    const file = create(FileDescriptorProtoSchema, {
      name: "sample/v1/loose.proto",
      package: "sample.v1",
      syntax: "proto3",
      messageType: [
        {
          name: "Loose",
          field: [field("note", 1, Type.STRING, { proto3Optional: true, oneofIndex: 0 }), field("next", 2, Type.MESSAGE, { typeName: ".sample.v1.Loose" })],
          oneofDecl: [{ name: "_note" }],
        },
      ],
    });
    const loose = createFileRegistry(create(FileDescriptorSetSchema, { file: [file] })).getMessage("sample.v1.Loose")!;
    const components = createSchemaComponents();
    expect(components.refTo(loose, "request")).toEqual({ $ref: "#/components/schemas/sample.v1.Loose" });
    expect(components.refTo(loose, "response")).toEqual({ $ref: "#/components/schemas/sample.v1.Loose" });
    expect(Object.keys(components.schemas)).toEqual(["sample.v1.Loose"]);
    expect(components.schemas["sample.v1.Loose"]?.required).toBeUndefined();
  });
});
