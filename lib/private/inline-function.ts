import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';

/**
 * The custom-resource plumbing shared by the inline handlers (discovery tags, cleanup). Like every function given to
 * {@link inlineHandlerSource}, it runs in AWS Lambda after `Function.prototype.toString()`: no imports, no
 * module-level values, only `require` of Node.js built-ins and the AWS SDK v3 the Lambda runtime provides.
 *
 * Sends the CloudFormation custom resource response (a PUT of at most 4 KiB to the pre-signed `ResponseURL`).
 */
export async function respond(
  event: { ResponseURL: string; StackId: string; RequestId: string; LogicalResourceId: string },
  status: 'SUCCESS' | 'FAILED',
  physicalResourceId: string,
  reason?: string,
): Promise<void> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const https = require('https');
  const body = JSON.stringify({
    Status: status,
    // The whole response must stay under 4 KiB: keep the reason to 3,000 characters.
    Reason: (reason ?? status).slice(0, 3000),
    PhysicalResourceId: physicalResourceId,
    StackId: event.StackId,
    RequestId: event.RequestId,
    LogicalResourceId: event.LogicalResourceId,
  });
  const url = new URL(event.ResponseURL);
  await new Promise<void>((resolve, reject) => {
    const request = https.request({
      hostname: url.hostname,
      path: `${url.pathname}${url.search}`,
      method: 'PUT',
      headers: { 'content-type': '', 'content-length': Buffer.byteLength(body) },
    }, (response: any) => {
      response.on('data', () => undefined);
      response.on('end', () => resolve());
    });
    request.on('error', reject);
    request.end(body);
  });
}

/**
 * The source of an inline Lambda handler (`index.js`, CommonJS) made of self-contained top-level functions, one of
 * them named `handler`. Each function is written in TypeScript in this library, unit-tested as it is, and shipped
 * with `Function.prototype.toString()`, so the tested code and the deployed code are the same.
 */
export function inlineHandlerSource(functions: Function[]): string {
  const names = functions.map((fn) => fn.name);
  if (!names.includes('handler')) {
    throw new Error(`inline handler: no function named "handler" among ${names.join(', ')}`);
  }
  return ['"use strict";', ...functions.map((fn) => fn.toString()), 'exports.handler = handler;', ''].join('\n');
}

/** Properties of {@link InlineHandlerFunction}. */
export interface InlineHandlerFunctionProps {
  /** What the function does (its description). */
  readonly description: string;
  /** The functions of the handler module, see {@link inlineHandlerSource}. */
  readonly functions: Function[];
  /** Lambda timeout. */
  readonly timeout: Duration;
}

/**
 * A Lambda function (Node.js, AWS SDK v3 from the runtime) whose code is inline in the template, with its own role
 * (no AWS managed policy: it may write only to its own log group) and a log group kept one month.
 */
export class InlineHandlerFunction extends Construct {
  /** The function. */
  public readonly function: lambda.Function;
  /** Its role: add the permissions the handler needs with `addToPrincipalPolicy`. */
  public readonly role: iam.Role;

  constructor(scope: Construct, id: string, props: InlineHandlerFunctionProps) {
    super(scope, id);
    const logGroup = new logs.LogGroup(this, 'Logs', {
      retention: logs.RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.role = new iam.Role(this, 'Role', {
      description: props.description,
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
    });
    logGroup.grantWrite(this.role);
    this.function = new lambda.Function(this, 'Resource', {
      description: props.description,
      runtime: lambda.Runtime.NODEJS_24_X,
      handler: 'index.handler',
      code: lambda.Code.fromInline(inlineHandlerSource(props.functions)),
      timeout: props.timeout,
      memorySize: 256,
      role: this.role,
      logGroup,
    });
    // The function must be able to log before CloudFormation asks it anything.
    this.function.node.addDependency(this.role);
  }
}
