import { Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as cr from 'aws-cdk-lib/custom-resources';
import { IConstruct } from 'constructs';

/**
 * A cdk-nag AwsSolutions finding on a resource this library creates, acknowledged with the reason it is by design.
 * Users who run cdk-nag then see only findings on their own resources.
 */
export interface Acknowledgement {
  readonly scope: IConstruct | undefined;
  readonly id: string;
  readonly reason: string;
}

/** Records the acknowledgements (skipping scopes that were not created). */
export function acknowledge(...acknowledgements: Acknowledgement[]): void {
  for (const { scope, id, reason } of acknowledgements) {
    if (scope) {
      Validations.of(scope).acknowledge({ id, reason });
    }
  }
}

/** The stack-wide singleton Lambda function behind every `AwsCustomResource`, if the stack has one. */
export function awsCustomResourceProvider(scope: IConstruct): IConstruct | undefined {
  const id = `AWS${cr.AwsCustomResource.PROVIDER_FUNCTION_UUID.replace(/-/g, '')}`;
  return Stack.of(scope).node.tryFindChild(id);
}

/** Renders a CloudFormation reference the way cdk-nag names it in a finding (`<AWS::Region>`, `<Role.Arn>`). */
function flattenReference(node: unknown): string {
  if (node === undefined) {
    return '';
  }
  if (typeof node === 'string') {
    return node.replace(/\${/g, '<').replace(/}/g, '>');
  }
  const reference = node as Record<string, any>;
  if (reference['Fn::Join']) {
    const [delimiter, items] = reference['Fn::Join'] as [string, unknown[]];
    return items.map(flattenReference).join(delimiter);
  }
  if (reference['Fn::Sub']) {
    return flattenReference(reference['Fn::Sub']);
  }
  if (reference['Fn::GetAtt']) {
    const [resource, attribute] = reference['Fn::GetAtt'] as [unknown, unknown];
    return `<${flattenReference(resource)}.${flattenReference(attribute)}>`;
  }
  if (reference['Fn::ImportValue']) {
    return flattenReference(reference['Fn::ImportValue']);
  }
  if (reference.Ref) {
    return `<${flattenReference(reference.Ref)}>`;
  }
  return JSON.stringify(node);
}

/**
 * The wildcard findings (cdk-nag AwsSolutions-IAM5) of a policy document: `Action::ec2:Describe*`,
 * `Resource::arn:<AWS::Partition>:ec2:<AWS::Region>:*:instance/*`.
 */
export function wildcardFindings(document: { Statement?: any[] }): string[] {
  const findings = new Set<string>();
  for (const statement of document.Statement ?? []) {
    if (statement.Effect !== 'Allow') {
      continue;
    }
    for (const action of [statement.Action].flat()) {
      if (typeof action === 'string' && action.includes('*')) {
        findings.add(`Action::${action}`);
      }
    }
    for (const resource of [statement.Resource].flat().map(flattenReference)) {
      if (resource.includes('*')) {
        findings.add(`Resource::${resource}`);
      }
    }
  }
  return [...findings];
}

/**
 * Acknowledges, finding by finding, the wildcard permissions of managed policies whose wildcards are by design.
 * The findings are computed when the tree is validated, after every statement has been added.
 */
export function acknowledgeWildcardPermissions(policies: iam.ManagedPolicy[], reason: string): void {
  for (const policy of policies) {
    policy.node.addValidation({
      validate: () => {
        const resource = policy.node.defaultChild as iam.CfnManagedPolicy;
        const document = Stack.of(policy).resolve(resource.policyDocument);
        for (const finding of wildcardFindings(document)) {
          Validations.of(policy).acknowledge({ id: `AwsSolutions-IAM5[${finding}]`, reason });
        }
        return [];
      },
    });
  }
}

/** Acknowledges cdk-nag AwsSolutions-IAM4 (AWS managed policies) for each of these managed policy names. */
export function acknowledgeAwsManagedPolicies(scope: IConstruct, policyNames: readonly string[], reason: string): void {
  for (const name of policyNames) {
    Validations.of(scope).acknowledge({ id: `AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/${name}]`, reason });
  }
}
