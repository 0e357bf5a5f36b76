/**
 * The handler of `Custom::KarpenterDiscoveryTags`: it runs in AWS Lambda (Node.js, AWS SDK v3 from the runtime) after
 * `Function.prototype.toString()` (see `inlineHandlerSource`), so every function here is self-contained: no imports,
 * no module-level values.
 *
 * - Create: `CreateTags` on every listed resource.
 * - Update: `DeleteTags` (key and old value) on the resources no longer listed, then `CreateTags` on the listed ones.
 * - Delete: `DeleteTags` (key and value) on the listed resources.
 * Tagging is idempotent, a resource that no longer exists is skipped when its tag is deleted, and a tag whose value
 * is another cluster's is never deleted (`DeleteTags` with a value only removes a tag with that value).
 */

/** The properties of the custom resource (CloudFormation passes them as strings and lists of strings). */
export interface DiscoveryTagsResourceProperties {
  readonly TagKey: string;
  readonly TagValue: string;
  /** IDs of the subnets and security groups to tag. */
  readonly Resources: string[];
}

/** A CloudFormation custom resource request for this resource. */
export interface DiscoveryTagsRequest {
  readonly RequestType: 'Create' | 'Update' | 'Delete';
  readonly ResourceProperties: DiscoveryTagsResourceProperties;
  readonly OldResourceProperties?: DiscoveryTagsResourceProperties;
  readonly PhysicalResourceId?: string;
}

/** The EC2 client (or a fake) and the two commands used. */
export interface DiscoveryTagsEc2 {
  readonly client: { send(command: unknown): Promise<unknown> };
  readonly CreateTagsCommand: new (input: any) => unknown;
  readonly DeleteTagsCommand: new (input: any) => unknown;
}

/** Brings the discovery tag of the listed resources to what the request asks. */
export async function reconcileDiscoveryTags(ec2: DiscoveryTagsEc2, request: DiscoveryTagsRequest): Promise<void> {
  const chunks = (ids: string[]): string[][] => {
    const result: string[][] = [];
    for (let i = 0; i < ids.length; i += 500) result.push(ids.slice(i, i + 500));
    return result;
  };
  const isMissing = (error: any): boolean =>
    /\.NotFound$|^InvalidID$|^InvalidGroupId\.Malformed$|^InvalidSubnetID\.Malformed$/.test(String(error?.name ?? error?.Code ?? ''));
  const describe = (error: any): string => `${error?.name ?? 'Error'}: ${error?.message ?? String(error)}`;

  const deleteTags = async (ids: string[], key: string, value: string): Promise<void> => {
    for (const chunk of chunks([...new Set(ids)])) {
      const tags = [{ Key: key, Value: value }];
      try {
        await ec2.client.send(new ec2.DeleteTagsCommand({ Resources: chunk, Tags: tags }));
      } catch (error) {
        if (!isMissing(error)) {
          throw new Error(`deleting tag ${key}=${value} from ${chunk.join(', ')}: ${describe(error)}`);
        }
        // One of them is gone: delete one by one, skipping those that no longer exist.
        for (const id of chunk) {
          try {
            await ec2.client.send(new ec2.DeleteTagsCommand({ Resources: [id], Tags: tags }));
          } catch (inner) {
            if (!isMissing(inner)) {
              throw new Error(`deleting tag ${key}=${value} from ${id}: ${describe(inner)}`);
            }
          }
        }
      }
    }
  };
  const createTags = async (ids: string[], key: string, value: string): Promise<void> => {
    for (const chunk of chunks([...new Set(ids)])) {
      try {
        await ec2.client.send(new ec2.CreateTagsCommand({ Resources: chunk, Tags: [{ Key: key, Value: value }] }));
      } catch (error) {
        throw new Error(`tagging ${chunk.join(', ')} with ${key}=${value}: ${describe(error)}`);
      }
    }
  };

  const wanted = request.ResourceProperties;
  if (request.RequestType === 'Delete') {
    await deleteTags(wanted.Resources ?? [], wanted.TagKey, wanted.TagValue);
    return;
  }
  const old = request.RequestType === 'Update' ? request.OldResourceProperties : undefined;
  if (old) {
    // Same key: untag the resources no longer listed (those still listed are overwritten by CreateTags below).
    // Another key: remove the old key from every resource it was on.
    const untag = old.TagKey === wanted.TagKey
      ? (old.Resources ?? []).filter((id) => !(wanted.Resources ?? []).includes(id))
      : (old.Resources ?? []);
    if (untag.length > 0) {
      await deleteTags(untag, old.TagKey, old.TagValue);
    }
  }
  if ((wanted.Resources ?? []).length > 0) {
    await createTags(wanted.Resources, wanted.TagKey, wanted.TagValue);
  }
}

/** The Lambda entry point. */
export async function handler(event: any): Promise<void> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports, import/no-extraneous-dependencies -- the Lambda runtime provides the AWS SDK v3
  const sdk = require('@aws-sdk/client-ec2');
  const physicalResourceId = event.PhysicalResourceId
    ?? `${event.ResourceProperties.TagKey}=${event.ResourceProperties.TagValue}`;
  try {
    console.log(JSON.stringify({ ...event, ResponseURL: '...' }));
    await reconcileDiscoveryTags(
      { client: new sdk.EC2Client({}), CreateTagsCommand: sdk.CreateTagsCommand, DeleteTagsCommand: sdk.DeleteTagsCommand },
      event,
    );
    await respond(event, 'SUCCESS', physicalResourceId);
  } catch (error: any) {
    console.error(error);
    await respond(event, 'FAILED', physicalResourceId, `Karpenter discovery tags: ${error?.message ?? String(error)}`);
  }
}

// Declared for the type checker only: the inline module gets the real one from `lib/private/inline-function.ts`.
declare function respond(event: unknown, status: 'SUCCESS' | 'FAILED', physicalResourceId: string, reason?: string): Promise<void>;
