/**
 * Resolves CloudFormation templates (synthesized, or parsed from YAML) to plain values, offline: intrinsic functions
 * are evaluated against a fake environment, so IAM policy documents can be compared, measured and simulated.
 *
 * Supported: `Ref` (pseudo parameters, parameters, resources), `Fn::GetAtt`, `Fn::Join`, `Fn::Sub`, `Fn::Select`,
 * `Fn::Split`, and the `CfnJson` custom resource (`Custom::AWSCDKCfnJson`, whose `Value` is the parsed JSON).
 * Anything else throws, so a test never compares an unresolved intrinsic by accident.
 */
import { CfnElement, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { IConstruct } from 'constructs';
import * as YAML from 'yaml';

/** A CloudFormation template as JSON. */
export interface CloudFormationTemplate {
  readonly Parameters?: { [name: string]: { readonly Type?: string; readonly Default?: unknown } };
  readonly Resources: { [logicalId: string]: CloudFormationResource };
  readonly [section: string]: unknown;
}

/** One resource of a template. */
export interface CloudFormationResource {
  readonly Type: string;
  readonly Properties?: { [name: string]: unknown };
  readonly [attribute: string]: unknown;
}

/** An IAM policy document, resolved. */
export interface PolicyDocument {
  readonly Version?: string;
  readonly Statement: PolicyStatement[];
}

/** One statement of a resolved policy document. `Action` and `Resource` may be a string or a list, as in IAM. */
export interface PolicyStatement {
  readonly Sid?: string;
  readonly Effect: 'Allow' | 'Deny';
  readonly Action?: string | string[];
  readonly Resource?: string | string[];
  readonly Condition?: { [operator: string]: { [conditionKey: string]: string | string[] } };
  readonly [element: string]: unknown;
}

/** The fake environment a template is resolved in. */
export interface ResolveOptions {
  /** `AWS::Partition`. @default 'aws' */
  readonly partition?: string;
  /** `AWS::Region`. @default 'us-east-1' */
  readonly region?: string;
  /** `AWS::AccountId`. @default '111122223333' */
  readonly account?: string;
  /** `AWS::URLSuffix`. @default 'amazonaws.com' */
  readonly urlSuffix?: string;
  /** Values of template parameters, by name. @default - each parameter's `Default`, else an error */
  readonly parameters?: { [name: string]: string };
  /**
   * Fixed values of `Ref` and `Fn::GetAtt`, keyed `LogicalId` (Ref) or `LogicalId.Attribute` (GetAtt), e.g.
   * `{ 'KarpenterNodeRole.Arn': 'arn:aws:iam::111122223333:role/node' }`.
   * @default - fake values derived from the logical ID and the resource type (see `fakeAttribute`)
   */
  readonly references?: { [reference: string]: unknown };
}

/** The default fake environment: account 111122223333 in us-east-1, partition aws. */
export const FAKE_ENVIRONMENT = {
  partition: 'aws',
  region: 'us-east-1',
  account: '111122223333',
  urlSuffix: 'amazonaws.com',
} as const;

const CFN_JSON_RESOURCE_TYPE = 'Custom::AWSCDKCfnJson';

/**
 * Parses a CloudFormation YAML template, turning the short-form tags (`!Ref`, `!GetAtt`, `!Sub`, `!Join`, `!Select`,
 * `!Split`) into their JSON form (`{ Ref }`, `{ 'Fn::GetAtt': [id, attribute] }`, ...).
 */
export function parseCloudFormationYaml(text: string): CloudFormationTemplate {
  const scalar = (tag: string, toJson: (value: string) => unknown): YAML.ScalarTag => ({
    tag,
    resolve: (value: string) => toJson(value),
  });
  const sequence = (tag: string, intrinsic: string): YAML.CollectionTag => ({
    tag,
    collection: 'seq',
    resolve: (value) => ({ [intrinsic]: value.toJSON() }),
  } as YAML.CollectionTag);
  return YAML.parse(text, {
    customTags: [
      scalar('!Ref', (value) => ({ Ref: value })),
      scalar('!GetAtt', (value) => ({ 'Fn::GetAtt': splitOnce(value, '.') })),
      scalar('!Sub', (value) => ({ 'Fn::Sub': value })),
      sequence('!Sub', 'Fn::Sub'),
      sequence('!GetAtt', 'Fn::GetAtt'),
      sequence('!Join', 'Fn::Join'),
      sequence('!Select', 'Fn::Select'),
      sequence('!Split', 'Fn::Split'),
    ],
  }) as CloudFormationTemplate;
}

/** The synthesized template of a stack, as JSON. */
export function synthesizedTemplate(stack: Stack): CloudFormationTemplate {
  return Template.fromStack(stack).toJSON() as CloudFormationTemplate;
}

/** The logical ID of a construct's CloudFormation resource (its default child, or the construct itself). */
export function logicalIdOf(construct: IConstruct): string {
  const element = (construct.node.defaultChild ?? construct) as CfnElement;
  return Stack.of(construct).getLogicalId(element);
}

/**
 * Evaluates the intrinsic functions of one template in a fake environment.
 *
 * @example
 * const resolver = new TemplateResolver(synthesizedTemplate(stack));
 * resolver.resolve({ 'Fn::GetAtt': ['NodeRole1234', 'Arn'] }); // 'arn:aws:iam::111122223333:role/NodeRole1234'
 */
export class TemplateResolver {
  private readonly partition: string;
  private readonly region: string;
  private readonly account: string;
  private readonly urlSuffix: string;

  constructor(private readonly template: CloudFormationTemplate, private readonly options: ResolveOptions = {}) {
    this.partition = options.partition ?? FAKE_ENVIRONMENT.partition;
    this.region = options.region ?? FAKE_ENVIRONMENT.region;
    this.account = options.account ?? FAKE_ENVIRONMENT.account;
    this.urlSuffix = options.urlSuffix ?? FAKE_ENVIRONMENT.urlSuffix;
  }

  /** Resolves every intrinsic function in a value, deeply. Throws on an intrinsic it does not know. */
  public resolve(value: unknown): unknown {
    if (Array.isArray(value)) {
      return value.map((item) => this.resolve(item));
    }
    if (value === null || typeof value !== 'object') {
      return value;
    }
    const entries = Object.entries(value as { [key: string]: unknown });
    if (entries.length === 1) {
      const [name, argument] = entries[0];
      if (name === 'Ref') return this.ref(argument as string);
      if (name.startsWith('Fn::')) return this.intrinsic(name, argument);
    }
    return Object.fromEntries(entries.map(([key, item]) => [key, this.resolve(item)]));
  }

  /** Resolves a value that must be a string. */
  public resolveString(value: unknown): string {
    const resolved = this.resolve(value);
    if (typeof resolved !== 'string') {
      throw new Error(`expected a string, got ${JSON.stringify(resolved)} from ${JSON.stringify(value)}`);
    }
    return resolved;
  }

  /** The value of `{ Ref: name }`: a pseudo parameter, a parameter or a resource. */
  public ref(name: string): unknown {
    switch (name) {
      case 'AWS::Partition': return this.partition;
      case 'AWS::Region': return this.region;
      case 'AWS::AccountId': return this.account;
      case 'AWS::URLSuffix': return this.urlSuffix;
      case 'AWS::StackName': return 'TestStack';
      default:
    }
    if (this.options.references && name in this.options.references) {
      return this.options.references[name];
    }
    const parameter = this.template.Parameters?.[name];
    if (parameter) {
      const value = this.options.parameters?.[name] ?? parameter.Default;
      if (value === undefined) throw new Error(`no value for parameter ${name}: pass it in options.parameters`);
      return value;
    }
    const resource = this.resource(name);
    return fakeAttribute(name, resource.Type, 'Ref', this.environment());
  }

  /** The value of `{ 'Fn::GetAtt': [logicalId, attribute] }`. A `CfnJson` resource's `Value` is its parsed JSON. */
  public getAtt(logicalId: string, attribute: string): unknown {
    const key = `${logicalId}.${attribute}`;
    if (this.options.references && key in this.options.references) {
      return this.options.references[key];
    }
    const resource = this.resource(logicalId);
    if (resource.Type === CFN_JSON_RESOURCE_TYPE && attribute === 'Value') {
      return JSON.parse(this.resolveString(resource.Properties?.Value));
    }
    return fakeAttribute(logicalId, resource.Type, attribute, this.environment());
  }

  private intrinsic(name: string, argument: unknown): unknown {
    switch (name) {
      case 'Fn::GetAtt': {
        const [logicalId, attribute] = typeof argument === 'string' ? splitOnce(argument, '.') : argument as string[];
        return this.getAtt(logicalId, this.resolveString(attribute));
      }
      case 'Fn::Join': {
        const [separator, parts] = argument as [string, unknown];
        return (this.resolve(parts) as unknown[]).map((part) => asString(part)).join(separator);
      }
      case 'Fn::Select': {
        const [index, list] = argument as [unknown, unknown];
        return (this.resolve(list) as unknown[])[Number(this.resolve(index))];
      }
      case 'Fn::Split': {
        const [separator, text] = argument as [string, unknown];
        return this.resolveString(text).split(separator);
      }
      case 'Fn::Sub': {
        const [text, variables] = typeof argument === 'string' ? [argument, {}] : argument as [string, { [name: string]: unknown }];
        return this.substitute(text, variables);
      }
      default:
        throw new Error(`intrinsic function ${name} is not supported by the test resolver`);
    }
  }

  private substitute(text: string, variables: { [name: string]: unknown }): string {
    return text.replace(/\$\{(!?)([^}]+)\}/g, (_match, literal: string, name: string) => {
      if (literal) return `\${${name}}`;
      if (name in variables) return asString(this.resolve(variables[name]));
      if (name.includes('.') && !name.startsWith('AWS::')) {
        const [logicalId, attribute] = splitOnce(name, '.');
        return asString(this.getAtt(logicalId, attribute));
      }
      return asString(this.ref(name));
    });
  }

  private resource(logicalId: string): CloudFormationResource {
    const resource = this.template.Resources[logicalId];
    if (!resource) throw new Error(`no resource or parameter ${logicalId} in the template`);
    return resource;
  }

  private environment(): FakeEnvironment {
    return { partition: this.partition, region: this.region, account: this.account, urlSuffix: this.urlSuffix };
  }
}

/** The environment fake attributes are built from. */
export interface FakeEnvironment {
  readonly partition: string;
  readonly region: string;
  readonly account: string;
  readonly urlSuffix: string;
}

/**
 * A plausible fake value for `Ref` or an attribute of a resource: ARNs for IAM roles, instance profiles, managed
 * policies, SQS queues and EKS clusters follow the real ARN format, with the logical ID as the physical name; other
 * ARNs are `arn:<partition>:<service>:<region>:<account>:<type>/<logicalId>`; other attributes are
 * `<logicalId>.<attribute>`.
 */
export function fakeAttribute(logicalId: string, type: string, attribute: string, environment: FakeEnvironment): string {
  const { partition, region, account, urlSuffix } = environment;
  switch (`${type} ${attribute}`) {
    case 'AWS::IAM::Role Arn': return `arn:${partition}:iam::${account}:role/${logicalId}`;
    case 'AWS::IAM::InstanceProfile Arn': return `arn:${partition}:iam::${account}:instance-profile/${logicalId}`;
    case 'AWS::IAM::ManagedPolicy Ref':
    case 'AWS::IAM::ManagedPolicy PolicyArn': return `arn:${partition}:iam::${account}:policy/${logicalId}`;
    case 'AWS::SQS::Queue Arn': return `arn:${partition}:sqs:${region}:${account}:${logicalId}`;
    case 'AWS::SQS::Queue Ref':
    case 'AWS::SQS::Queue QueueUrl': return `https://sqs.${region}.${urlSuffix}/${account}/${logicalId}`;
    case 'AWS::EKS::Cluster Arn': return `arn:${partition}:eks:${region}:${account}:cluster/${logicalId}`;
    default:
  }
  if (attribute === 'Ref') return logicalId;
  if (attribute === 'Arn') {
    const [, service, resourceType] = type.split('::');
    return `arn:${partition}:${(service ?? 'custom').toLowerCase()}:${region}:${account}:${(resourceType ?? type).toLowerCase()}/${logicalId}`;
  }
  return `${logicalId}.${attribute}`;
}

/**
 * Every IAM policy document of a template, resolved, keyed by the logical ID of its `AWS::IAM::ManagedPolicy` or
 * `AWS::IAM::Policy`. A document written as a JSON string (as in the upstream template's `!Sub |`) is parsed.
 */
export function resolvePolicyDocuments(template: CloudFormationTemplate, options: ResolveOptions = {}): { [logicalId: string]: PolicyDocument } {
  const resolver = new TemplateResolver(template, options);
  const documents: { [logicalId: string]: PolicyDocument } = {};
  for (const [logicalId, resource] of Object.entries(template.Resources)) {
    if (resource.Type !== 'AWS::IAM::ManagedPolicy' && resource.Type !== 'AWS::IAM::Policy') continue;
    const document = resolver.resolve(resource.Properties?.PolicyDocument);
    documents[logicalId] = (typeof document === 'string' ? JSON.parse(document) : document) as PolicyDocument;
  }
  return documents;
}

/** The resolved documents of some managed policies of a synthesized stack, in the order given. */
export function resolveManagedPolicies(stack: Stack, policies: IConstruct[], options: ResolveOptions = {}): PolicyDocument[] {
  const documents = resolvePolicyDocuments(synthesizedTemplate(stack), options);
  return policies.map((policy) => {
    const document = documents[logicalIdOf(policy)];
    if (!document) throw new Error(`no policy document for ${policy.node.path}`);
    return document;
  });
}

/** A list of the values of an IAM element that may be a string or a list. */
export function asList(value: string | string[] | undefined): string[] {
  if (value === undefined) return [];
  return Array.isArray(value) ? value : [value];
}

function asString(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  throw new Error(`expected a string, got ${JSON.stringify(value)}`);
}

function splitOnce(text: string, separator: string): [string, string] {
  const index = text.indexOf(separator);
  return index < 0 ? [text, ''] : [text.slice(0, index), text.slice(index + separator.length)];
}

/** The logical IDs of every CloudFormation resource at or below a construct (an engine may be several resources). */
export function cfnLogicalIds(construct: IConstruct): string[] {
  return construct.node.findAll()
    .filter((child): child is CfnElement => CfnElement.isCfnElement(child) && (child as any).cfnResourceType !== undefined)
    .map((element) => Stack.of(construct).getLogicalId(element));
}
