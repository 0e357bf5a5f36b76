/**
 * Garbage collection of the AWS resources the controller creates for EC2NodeClasses, once the EC2NodeClass is gone:
 *  - launch templates named `karpenter.k8s.aws/...`, tagged `kubernetes.io/cluster/<cluster>=owned`, a NodePool and
 *    the EC2NodeClass (the tags the controller policy requires for `ec2:DeleteLaunchTemplate`);
 *  - instance profiles named by the controller (`<cluster>_<hash(region + nodeclass)>`), tagged owned by this cluster
 *    in this region for that EC2NodeClass, with no live instance of the node class left: roles removed, then deleted.
 * A resource without this cluster's ownership tags is never touched.
 */
import { Ec2Api, IamApi } from '../aws/api';
import { awsErrorCode, isAwsNotFound } from '../aws/errors';
import { instanceProfileName, TAG_CLUSTER_PREFIX, TAG_EC2_NODE_CLASS, TAG_NODE_POOL, TAG_REGION } from '../aws/instance-profiles';
import { LAUNCH_TEMPLATE_NAME_PREFIX } from '../aws/launch-templates';
import { errorField, Logger } from '../observability/logger';

export interface AwsResourceGarbageCollectorOptions {
  readonly ec2: Pick<Ec2Api, 'describeLaunchTemplates' | 'deleteLaunchTemplate' | 'describeInstances'>;
  readonly iam: Pick<IamApi, 'listInstanceProfiles' | 'getInstanceProfile' | 'removeRoleFromInstanceProfile' | 'deleteInstanceProfile'>;
  readonly clusterName: string;
  readonly region: string;
  /** The names of the EC2NodeClasses that exist now (read fresh from the API server: never a stale cache). */
  readonly nodeClassNames: () => Promise<ReadonlySet<string>>;
  readonly logger: Logger;
  /** Told about every deleted launch template (the provider forgets it). */
  readonly onLaunchTemplateDeleted?: (name: string) => void;
}

export interface AwsResourceGcResult {
  readonly launchTemplatesDeleted: string[];
  readonly instanceProfilesDeleted: string[];
}

type Tags = Record<string, string>;
const tagMap = (tags: Array<{ Key?: string; Value?: string }> | undefined): Tags => {
  const out: Tags = {};
  for (const t of tags ?? []) if (t.Key) out[t.Key] = t.Value ?? '';
  return out;
};

export class AwsResourceGarbageCollector {
  constructor(private readonly opts: AwsResourceGarbageCollectorOptions) {}

  private get ownerTag(): string {
    return `${TAG_CLUSTER_PREFIX}${this.opts.clusterName}`;
  }

  async run(): Promise<AwsResourceGcResult> {
    const existing = await this.opts.nodeClassNames();
    return {
      launchTemplatesDeleted: await this.launchTemplates(existing),
      instanceProfilesDeleted: await this.instanceProfiles(existing),
    };
  }

  private async launchTemplates(existing: ReadonlySet<string>): Promise<string[]> {
    const { ec2, logger } = this.opts;
    const deleted: string[] = [];
    let token: string | undefined;
    do {
      let page;
      try {
        page = await ec2.describeLaunchTemplates({
          Filters: [{ Name: `tag:${this.ownerTag}`, Values: ['owned'] }, { Name: 'tag-key', Values: [TAG_EC2_NODE_CLASS] }],
          NextToken: token,
        });
      } catch (e) {
        if (isAwsNotFound(e)) break;
        throw new Error(`listing launch templates of cluster ${this.opts.clusterName}`, { cause: e });
      }
      for (const lt of page.LaunchTemplates ?? []) {
        const tags = tagMap(lt.Tags);
        const nodeClass = tags[TAG_EC2_NODE_CLASS];
        if (!lt.LaunchTemplateName?.startsWith(LAUNCH_TEMPLATE_NAME_PREFIX) || tags[this.ownerTag] !== 'owned' || !(TAG_NODE_POOL in tags) ||
          !nodeClass || existing.has(nodeClass)) continue;
        try {
          const ref = lt.LaunchTemplateId ? { LaunchTemplateId: lt.LaunchTemplateId } : { LaunchTemplateName: lt.LaunchTemplateName };
          await ec2.deleteLaunchTemplate(ref);
        } catch (e) {
          if (!isAwsNotFound(e)) {
            logger.error('failed deleting launch template', { launchTemplate: lt.LaunchTemplateName, EC2NodeClass: { name: nodeClass }, error: errorField(e) });
            continue;
          }
        }
        this.opts.onLaunchTemplateDeleted?.(lt.LaunchTemplateName);
        deleted.push(lt.LaunchTemplateName);
        logger.info('deleted launch template', { 'launch-template-name': lt.LaunchTemplateName, 'id': lt.LaunchTemplateId, 'EC2NodeClass': { name: nodeClass } });
      }
      token = page.NextToken;
    } while (token);
    return deleted;
  }

  private async instanceProfiles(existing: ReadonlySet<string>): Promise<string[]> {
    const { iam, logger, clusterName, region } = this.opts;
    const deleted: string[] = [];
    const candidates: string[] = [];
    let marker: string | undefined;
    do {
      let page;
      try {
        page = await iam.listInstanceProfiles({ Marker: marker });
      } catch (e) {
        throw new Error(`listing instance profiles of cluster ${clusterName}`, { cause: e });
      }
      for (const p of page.InstanceProfiles ?? []) if (p.InstanceProfileName?.startsWith(`${clusterName}_`)) candidates.push(p.InstanceProfileName);
      marker = page.IsTruncated ? page.Marker : undefined;
    } while (marker);

    for (const name of candidates) {
      try {
        let profile;
        try {
          profile = (await iam.getInstanceProfile({ InstanceProfileName: name })).InstanceProfile;
        } catch (e) {
          if (isAwsNotFound(e)) continue;
          throw e;
        }
        const tags = tagMap(profile?.Tags);
        const nodeClass = tags[TAG_EC2_NODE_CLASS];
        // only profiles this controller created for this cluster and region, for a node class that is gone
        if (!profile || tags[this.ownerTag] !== 'owned' || tags[TAG_REGION] !== region || !nodeClass ||
          instanceProfileName(clusterName, region, nodeClass) !== name || existing.has(nodeClass)) continue;
        if (await this.inUse(nodeClass)) continue;
        for (const r of profile.Roles ?? []) {
          if (r.RoleName) await iam.removeRoleFromInstanceProfile({ InstanceProfileName: name, RoleName: r.RoleName });
        }
        try {
          await iam.deleteInstanceProfile({ InstanceProfileName: name });
        } catch (e) {
          if (!isAwsNotFound(e)) throw e;
        }
        deleted.push(name);
        logger.info('deleted instance profile', { instanceProfile: name, EC2NodeClass: { name: nodeClass } });
      } catch (e) {
        logger.error('failed deleting instance profile', { instanceProfile: name, error: errorField(e), code: awsErrorCode(e) });
      }
    }
    return deleted;
  }

  /** Whether a live instance of this cluster still runs with the node class (and so with its profile). */
  private async inUse(nodeClass: string): Promise<boolean> {
    let token: string | undefined;
    do {
      const out = await this.opts.ec2.describeInstances({
        Filters: [
          { Name: `tag:${this.ownerTag}`, Values: ['owned'] },
          { Name: `tag:${TAG_EC2_NODE_CLASS}`, Values: [nodeClass] },
          { Name: 'instance-state-name', Values: ['pending', 'running', 'stopping', 'stopped', 'shutting-down'] },
        ],
        NextToken: token,
      });
      if ((out.Reservations ?? []).some(r => (r.Instances ?? []).length > 0)) return true;
      token = out.NextToken;
    } while (token);
    return false;
  }
}
