import * as vm from 'vm';
import { Template } from 'aws-cdk-lib/assertions';

/** A CloudFormation response the handler sent (the body of its PUT to the ResponseURL). */
export interface SentResponse {
  readonly url: string;
  readonly body: { Status: string; Reason: string; PhysicalResourceId: string; [key: string]: unknown };
}

/**
 * Loads the inline source of a Lambda handler exactly as Lambda would (a CommonJS `index.js`), in a fresh V8
 * context whose `require` gives the real AWS SDK modules (mock them with aws-sdk-client-mock) and a fake `https`
 * that records the CloudFormation responses.
 */
export function loadInlineHandler(source: string): { handler: (event: unknown, context?: unknown) => Promise<void>; responses: SentResponse[] } {
  const responses: SentResponse[] = [];
  const https = {
    request: (options: { hostname: string; path: string }, callback: (response: unknown) => void) => ({
      on: () => undefined,
      end: (body: string) => {
        responses.push({ url: `https://${options.hostname}${options.path}`, body: JSON.parse(body) });
        const handlers: Record<string, () => void> = {};
        callback({ on: (name: string, fn: () => void) => { handlers[name] = fn; if (name === 'end') setImmediate(fn); } });
      },
    }),
  };
  const sandboxRequire = (id: string): unknown => {
    if (id === 'https') return https;
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    if (id.startsWith('@aws-sdk/')) return require(id);
    throw new Error(`the inline handler may not require ${id}`);
  };
  const module = { exports: {} as Record<string, unknown> };
  vm.runInNewContext(source, {
    module,
    exports: module.exports,
    require: sandboxRequire,
    console: { log: () => undefined, error: () => undefined },
    Buffer,
    URL,
    setTimeout,
    clearTimeout,
    setImmediate,
    Date,
    process,
  }, { filename: 'index.js' });
  return { handler: module.exports.handler as any, responses };
}

/** The inline code (`Code.ZipFile`) of the single function whose description starts with `description`. */
export function inlineCodeOf(template: Template, description: string): string {
  const functions = Object.values(template.findResources('AWS::Lambda::Function'))
    .filter((fn: any) => typeof fn.Properties.Description === 'string' && fn.Properties.Description.startsWith(description));
  if (functions.length !== 1) throw new Error(`expected one function described "${description}...", found ${functions.length}`);
  return (functions[0] as any).Properties.Code.ZipFile;
}

/** A CloudFormation custom resource event. */
export function cfnEvent(requestType: 'Create' | 'Update' | 'Delete', properties: Record<string, unknown>, extra: Record<string, unknown> = {}) {
  return {
    RequestType: requestType,
    ResponseURL: 'https://cloudformation-custom-resource-response.example/response?sig=1',
    StackId: 'arn:aws:cloudformation:us-east-1:111122223333:stack/Test/1',
    RequestId: 'request-1',
    LogicalResourceId: 'Resource',
    ResourceType: 'Custom::Test',
    ResourceProperties: { ServiceToken: 'arn:aws:lambda:us-east-1:111122223333:function:f', ...properties },
    ...extra,
  };
}
