/**
 * The upstream Karpenter CRD schemas as ajv validators.
 *
 * Translation of the Kubernetes structural schema for ajv:
 * - every object schema with `properties` and no `additionalProperties` gets `additionalProperties: false`, so a
 *   misspelt or unknown field fails (the API server would prune it silently);
 * - `x-kubernetes-int-or-string` becomes `anyOf: [integer, string]` where the CRD does not already say so;
 * - `pattern` / `maxLength` written on an array (NodePool `requirements[].values`) apply to its string items;
 * - the `x-kubernetes-*` extensions (list types, CEL `x-kubernetes-validations`) are dropped: ajv cannot evaluate
 *   CEL. The constructs mirror those rules and `*.test.ts` checks each of them with its exact message;
 * - the `int32` / `int64` / `date-time` formats are checked.
 */
import * as fs from 'fs';
import * as path from 'path';
import Ajv, { ValidateFunction } from 'ajv';
import * as YAML from 'yaml';
import { SHARED_REFERENCE } from '../helpers/fixtures';

export type JsonSchema = Record<string, any>;

export const NODE_POOL_CRD = path.join(SHARED_REFERENCE, 'karpenter.sh_nodepools.yaml');
export const EC2_NODE_CLASS_CRD = path.join(SHARED_REFERENCE, 'karpenter.k8s.aws_ec2nodeclasses.yaml');

/** The CRD document itself. */
export function loadCrd(file: string): JsonSchema {
  return YAML.parse(fs.readFileSync(file, 'utf8'));
}

/** The `openAPIV3Schema` of the CRD's (single) version, untouched. */
export function rawSchema(file: string): JsonSchema {
  const crd = loadCrd(file);
  return crd.spec.versions[0].schema.openAPIV3Schema;
}

/** A deep copy of `schema` translated for ajv (see the file comment). */
export function toAjvSchema(schema: JsonSchema): JsonSchema {
  const walk = (node: any): any => {
    if (Array.isArray(node)) {
      return node.map(walk);
    }
    if (node === null || typeof node !== 'object') {
      return node;
    }
    const out: Record<string, any> = {};
    for (const [key, value] of Object.entries(node)) {
      if (key.startsWith('x-kubernetes-')) {
        continue;
      }
      // `properties` and `additionalProperties` hold schemas keyed by field name: walk the values only.
      out[key] = key === 'properties'
        ? Object.fromEntries(Object.entries(value as object).map(([k, v]) => [k, walk(v)]))
        : walk(value);
    }
    if (node['x-kubernetes-int-or-string'] === true && out.anyOf === undefined) {
      out.anyOf = [{ type: 'integer' }, { type: 'string' }];
    }
    if (out.properties !== undefined && out.additionalProperties === undefined) {
      out.additionalProperties = false;
    }
    if (out.type === 'array' && out.items?.type === 'string') {
      for (const k of ['pattern', 'maxLength']) {
        if (out[k] !== undefined) {
          out.items = { ...out.items, [k]: out[k] };
          delete out[k];
        }
      }
    }
    return out;
  };
  return walk(schema);
}

const INT32 = { type: 'number' as const, validate: (n: number) => Number.isInteger(n) && n >= -(2 ** 31) && n < 2 ** 31 };
const INT64 = { type: 'number' as const, validate: (n: number) => Number.isInteger(n) };
const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/i;

function compile(file: string): ValidateFunction {
  const ajv = new Ajv({ strict: false, allErrors: true });
  ajv.addFormat('int32', INT32);
  ajv.addFormat('int64', INT64);
  ajv.addFormat('date-time', DATE_TIME);
  return ajv.compile(toAjvSchema(rawSchema(file)));
}

let nodePoolValidator: ValidateFunction | undefined;
let ec2NodeClassValidator: ValidateFunction | undefined;

/** Validation errors of a rendered object against its CRD (`[]` when valid), as `path message` lines. */
export function crdErrors(object: any): string[] {
  let validate: ValidateFunction;
  if (object.kind === 'NodePool') {
    validate = nodePoolValidator ??= compile(NODE_POOL_CRD);
  } else if (object.kind === 'EC2NodeClass') {
    validate = ec2NodeClassValidator ??= compile(EC2_NODE_CLASS_CRD);
  } else {
    throw new Error(`no CRD for kind ${object.kind}`);
  }
  if (validate(object)) {
    return [];
  }
  return (validate.errors ?? []).map(e => `${e.instancePath} ${e.message} ${JSON.stringify(e.params)}`);
}

/**
 * Leaf field paths of the `spec` schema (`spec.template.spec.requirements[].key`, `spec.limits{}`): objects with
 * `properties` are walked, arrays add `[]`, maps (`additionalProperties`) are leaves written `{}`.
 */
export function schemaLeafPaths(file: string): string[] {
  const paths: string[] = [];
  const walk = (node: JsonSchema, at: string) => {
    if (node.properties) {
      for (const [key, child] of Object.entries(node.properties as Record<string, JsonSchema>)) {
        walk(child, `${at}.${key}`);
      }
    } else if (node.type === 'array' && node.items) {
      walk(node.items, `${at}[]`);
    } else if (node.type === 'object' && node.additionalProperties) {
      paths.push(`${at}{}`);
    } else {
      paths.push(at);
    }
  };
  walk(rawSchema(file).properties.spec, 'spec');
  return paths;
}

/** Leaf field paths present in a rendered object, in the notation of {@link schemaLeafPaths}. */
export function objectLeafPaths(file: string, object: any): string[] {
  const paths = new Set<string>();
  const walk = (node: JsonSchema, value: any, at: string) => {
    if (value === undefined) {
      return;
    }
    if (node.properties && typeof value === 'object') {
      for (const [key, child] of Object.entries(node.properties as Record<string, JsonSchema>)) {
        walk(child, value[key], `${at}.${key}`);
      }
    } else if (node.type === 'array' && node.items && Array.isArray(value)) {
      value.forEach(item => walk(node.items, item, `${at}[]`));
    } else if (node.type === 'object' && node.additionalProperties) {
      paths.add(`${at}{}`);
    } else {
      paths.add(at);
    }
  };
  walk(rawSchema(file).properties.spec, object.spec, 'spec');
  return [...paths];
}
