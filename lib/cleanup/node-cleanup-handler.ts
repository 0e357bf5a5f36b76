/**
 * The handler of `Custom::KarpenterNodeCleanup`: it runs in AWS Lambda (Node.js, AWS SDK v3 from the runtime) after
 * `Function.prototype.toString()` (see `inlineHandlerSource`), so every function here is self-contained: no imports,
 * no module-level values.
 *
 * Create and update do nothing. Delete, which CloudFormation runs after the NodePools and EC2NodeClasses are deleted
 * and before the controller is uninstalled:
 * 1. waits (up to `DrainSeconds`) for the controller to drain and terminate the nodes of this cluster;
 * 2. terminates the instances still tagged `kubernetes.io/cluster/<name>=owned` and `karpenter.sh/nodepool`, and
 *    waits until they are terminated (their network interfaces are released, so subnets and security groups can go);
 * 3. deletes the launch templates the controller created (same tags);
 * 4. removes the roles from and deletes the instance profiles the controller created (tagged with the cluster,
 *    the region and an EC2NodeClass).
 * Whatever refuses to go before the deadline is named in the error, which fails the deletion with that message.
 */

/** The properties of the custom resource (CloudFormation passes numbers as strings). */
export interface NodeCleanupResourceProperties {
  readonly ClusterName: string;
  readonly Region: string;
  /** How long to wait for the controller to drain, in seconds. */
  readonly DrainSeconds: string | number;
  /** Seconds between two polls. */
  readonly PollSeconds?: string | number;
}

/** The AWS SDK clients and command classes the cleanup uses (the real ones, or fakes). */
export interface NodeCleanupAws {
  readonly ec2: { send(command: unknown): Promise<any> };
  readonly iam: { send(command: unknown): Promise<any> };
  readonly ec2Commands: {
    readonly DescribeInstancesCommand: new (input: any) => unknown;
    readonly TerminateInstancesCommand: new (input: any) => unknown;
    readonly DescribeLaunchTemplatesCommand: new (input: any) => unknown;
    readonly DeleteLaunchTemplateCommand: new (input: any) => unknown;
  };
  readonly iamCommands: {
    readonly ListInstanceProfilesCommand: new (input: any) => unknown;
    readonly GetInstanceProfileCommand: new (input: any) => unknown;
    readonly RemoveRoleFromInstanceProfileCommand: new (input: any) => unknown;
    readonly DeleteInstanceProfileCommand: new (input: any) => unknown;
  };
  /** Milliseconds since the epoch. */
  now(): number;
  sleep(milliseconds: number): Promise<void>;
  log(message: string): void;
}

/** What the cleanup did, and what refused to go. */
export interface NodeCleanupReport {
  /** Instances that were gone by themselves (drained by the controller) before the deadline of the drain. */
  readonly drained: boolean;
  readonly terminatedInstances: string[];
  readonly deletedLaunchTemplates: string[];
  readonly deletedInstanceProfiles: string[];
  /** One line per resource that could not be removed, with the reason. */
  readonly failures: string[];
}

/** Removes what the Karpenter controller of one cluster created in EC2 and IAM, by the deadline (ms since the epoch). */
export async function cleanUpKarpenterNodes(
  aws: NodeCleanupAws,
  properties: NodeCleanupResourceProperties,
  deadline: number,
): Promise<NodeCleanupReport> {
  const clusterName = properties.ClusterName;
  const ownerKey = `kubernetes.io/cluster/${clusterName}`;
  const pollMs = Number(properties.PollSeconds ?? 10) * 1000;
  const describe = (error: any): string => `${error?.name ?? 'Error'}: ${error?.message ?? String(error)}`;
  const failures: string[] = [];
  const { ec2Commands: e, iamCommands: i } = aws;

  const liveInstances = async (): Promise<{ id: string; state: string }[]> => {
    const found: { id: string; state: string }[] = [];
    let nextToken: string | undefined;
    do {
      const page = await aws.ec2.send(new e.DescribeInstancesCommand({
        Filters: [
          { Name: `tag:${ownerKey}`, Values: ['owned'] },
          { Name: 'tag-key', Values: ['karpenter.sh/nodepool'] },
          { Name: 'instance-state-name', Values: ['pending', 'running', 'shutting-down', 'stopping', 'stopped'] },
        ],
        NextToken: nextToken,
      }));
      for (const reservation of page.Reservations ?? []) {
        for (const instance of reservation.Instances ?? []) {
          found.push({ id: instance.InstanceId, state: instance.State?.Name ?? 'unknown' });
        }
      }
      nextToken = page.NextToken;
    } while (nextToken);
    return found;
  };
  const waitUntil = async (until: number, done: (instances: { id: string; state: string }[]) => boolean) => {
    let instances = await liveInstances();
    while (!done(instances) && aws.now() + pollMs < until) {
      await aws.sleep(pollMs);
      instances = await liveInstances();
    }
    return instances;
  };
  const running = (instances: { id: string; state: string }[]) => instances.filter((instance) => instance.state !== 'shutting-down');

  // 1. The controller drains and terminates the nodes of the NodePools just deleted.
  const drainUntil = Math.min(deadline, aws.now() + Number(properties.DrainSeconds) * 1000);
  let instances = await waitUntil(drainUntil, (current) => running(current).length === 0);
  const drained = running(instances).length === 0;
  aws.log(drained ? 'no node of this cluster is left running' : `${running(instances).length} nodes still running after the drain`);

  // 2. Terminate what is left, and wait for it to be gone (network interfaces released).
  const terminatedInstances = running(instances).map((instance) => instance.id);
  for (let start = 0; start < terminatedInstances.length; start += 500) {
    const chunk = terminatedInstances.slice(start, start + 500);
    try {
      await aws.ec2.send(new e.TerminateInstancesCommand({ InstanceIds: chunk }));
      aws.log(`terminating ${chunk.join(', ')}`);
    } catch (error) {
      failures.push(`instances ${chunk.join(', ')}: TerminateInstances failed: ${describe(error)}`);
    }
  }
  instances = await waitUntil(deadline, (current) => current.length === 0);
  if (instances.length > 0) {
    failures.push(`instances still not terminated: ${instances.map((instance) => `${instance.id} (${instance.state})`).join(', ')}`);
  }

  // 3. Launch templates of this cluster's NodePools.
  const deletedLaunchTemplates: string[] = [];
  let nextToken: string | undefined;
  const templates: { id: string; name: string }[] = [];
  do {
    const page = await aws.ec2.send(new e.DescribeLaunchTemplatesCommand({
      Filters: [{ Name: `tag:${ownerKey}`, Values: ['owned'] }, { Name: 'tag-key', Values: ['karpenter.sh/nodepool'] }],
      NextToken: nextToken,
    }));
    for (const template of page.LaunchTemplates ?? []) {
      templates.push({ id: template.LaunchTemplateId, name: template.LaunchTemplateName });
    }
    nextToken = page.NextToken;
  } while (nextToken);
  for (const template of templates) {
    try {
      await aws.ec2.send(new e.DeleteLaunchTemplateCommand({ LaunchTemplateId: template.id }));
      deletedLaunchTemplates.push(template.id);
    } catch (error: any) {
      if (!/NotFound/.test(String(error?.name))) {
        failures.push(`launch template ${template.id} (${template.name}): ${describe(error)}`);
      }
    }
  }

  // 4. Instance profiles the controller created for this cluster's EC2NodeClasses, in this region. IAM cannot list
  // by tag: candidates are named `<cluster>_<hash>` or live under `/karpenter/`; their tags decide.
  const deletedInstanceProfiles: string[] = [];
  let marker: string | undefined;
  const candidates: string[] = [];
  do {
    const page = await aws.iam.send(new i.ListInstanceProfilesCommand({ Marker: marker }));
    for (const profile of page.InstanceProfiles ?? []) {
      if (String(profile.InstanceProfileName).startsWith(`${clusterName}_`) || String(profile.Path ?? '').startsWith('/karpenter/')) {
        candidates.push(profile.InstanceProfileName);
      }
    }
    marker = page.IsTruncated ? page.Marker : undefined;
  } while (marker);
  for (const name of candidates) {
    try {
      const { InstanceProfile: profile } = await aws.iam.send(new i.GetInstanceProfileCommand({ InstanceProfileName: name }));
      const tags = Object.fromEntries((profile?.Tags ?? []).map((tag: { Key: string; Value: string }) => [tag.Key, tag.Value]));
      const ours = tags[ownerKey] === 'owned' && tags['topology.kubernetes.io/region'] === properties.Region
        && 'karpenter.k8s.aws/ec2nodeclass' in tags;
      if (!ours) continue;
      for (const role of profile.Roles ?? []) {
        await aws.iam.send(new i.RemoveRoleFromInstanceProfileCommand({ InstanceProfileName: name, RoleName: role.RoleName }));
      }
      await aws.iam.send(new i.DeleteInstanceProfileCommand({ InstanceProfileName: name }));
      deletedInstanceProfiles.push(name);
    } catch (error: any) {
      if (String(error?.name) !== 'NoSuchEntityException') {
        failures.push(`instance profile ${name}: ${describe(error)}`);
      }
    }
  }

  return { drained, terminatedInstances, deletedLaunchTemplates, deletedInstanceProfiles, failures };
}

/** The Lambda entry point. */
export async function handler(event: any, context: any): Promise<void> {
  const properties = event.ResourceProperties;
  const physicalResourceId = event.PhysicalResourceId ?? `karpenter-node-cleanup-${properties.ClusterName}`;
  try {
    console.log(JSON.stringify({ ...event, ResponseURL: '...' }));
    if (event.RequestType === 'Delete') {
      // eslint-disable-next-line @typescript-eslint/no-require-imports, import/no-extraneous-dependencies -- the Lambda runtime provides the AWS SDK v3
      const ec2 = require('@aws-sdk/client-ec2');
      // eslint-disable-next-line @typescript-eslint/no-require-imports, import/no-extraneous-dependencies -- the Lambda runtime provides the AWS SDK v3
      const iam = require('@aws-sdk/client-iam');
      // Keep 30 seconds to answer CloudFormation.
      const deadline = Date.now() + Math.max(0, (context?.getRemainingTimeInMillis?.() ?? 60_000) - 30_000);
      const report = await cleanUpKarpenterNodes({
        ec2: new ec2.EC2Client({}),
        iam: new iam.IAMClient({}),
        ec2Commands: ec2,
        iamCommands: iam,
        now: () => Date.now(),
        sleep: (milliseconds: number) => new Promise((resolve) => setTimeout(resolve, milliseconds)),
        log: (message: string) => console.log(message),
      }, properties, deadline);
      console.log(JSON.stringify(report));
      if (report.failures.length > 0) {
        throw new Error(`resources of cluster ${properties.ClusterName} refused to go: ${report.failures.join('; ')}. ` +
          'Remove them (or let the controller finish draining), then delete the stack again.');
      }
    }
    await respond(event, 'SUCCESS', physicalResourceId);
  } catch (error: any) {
    console.error(error);
    await respond(event, 'FAILED', physicalResourceId, `Karpenter node cleanup: ${error?.message ?? String(error)}`);
  }
}

// Declared for the type checker only: the inline module gets the real one from `lib/private/inline-function.ts`.
declare function respond(event: unknown, status: 'SUCCESS' | 'FAILED', physicalResourceId: string, reason?: string): Promise<void>;
