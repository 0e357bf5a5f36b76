/**
 * The calls garbage collection adds to the fake AWS account of `../aws/fake-aws.ts` (without editing it): launch
 * templates listed by tag filters and really deleted, ListInstanceProfiles and DeleteInstanceProfile. Calls are
 * recorded in `aws.calls` the same way, with the profile's tags for the IAM check.
 */
import * as ec2 from '@aws-sdk/client-ec2';
import * as iam from '@aws-sdk/client-iam';
import { awsError, FakeAws, RecordedCall, REGION } from '../aws/fake-aws';

const tagsOf = (tags: Array<{ Key?: string; Value?: string }> | undefined): Record<string, string> =>
  Object.fromEntries((tags ?? []).map(t => [t.Key!, t.Value ?? '']));

function filterMatches(tags: Record<string, string>, filters: ec2.Filter[] | undefined): boolean {
  return (filters ?? []).every(f => {
    if (f.Name === 'tag-key') return (f.Values ?? []).some(v => v in tags);
    if (f.Name?.startsWith('tag:')) return (f.Values ?? []).includes(tags[f.Name.slice(4)]);
    return true;
  });
}

export function withGarbageCollectionCalls(aws: FakeAws): FakeAws {
  const rec = (service: RecordedCall['service'], command: string, input: any) => {
    const profile = input?.InstanceProfileName ? aws.instanceProfiles.get(input.InstanceProfileName) : undefined;
    aws.calls.push({ service, command, input, region: REGION, ...(profile ? { profileTags: tagsOf(profile.Tags) } : {}) });
  };
  aws.ec2Mock.on(ec2.DescribeLaunchTemplatesCommand).callsFake(async (i: ec2.DescribeLaunchTemplatesCommandInput) => {
    rec('ec2', 'DescribeLaunchTemplates', i);
    const all = [...aws.launchTemplates].map(([name, lt]) => ({
      LaunchTemplateName: name, LaunchTemplateId: lt.id, Tags: Object.entries(lt.tags).map(([Key, Value]) => ({ Key, Value })),
    }));
    if (i.LaunchTemplateNames) {
      const found = all.filter(lt => i.LaunchTemplateNames!.includes(lt.LaunchTemplateName));
      if (found.length === 0) throw awsError('InvalidLaunchTemplateName.NotFoundException');
      return { LaunchTemplates: found };
    }
    return { LaunchTemplates: all.filter(lt => filterMatches(tagsOf(lt.Tags), i.Filters)) };
  });
  aws.ec2Mock.on(ec2.DeleteLaunchTemplateCommand).callsFake(async (i: ec2.DeleteLaunchTemplateCommandInput) => {
    rec('ec2', 'DeleteLaunchTemplate', i);
    const entry = [...aws.launchTemplates].find(([name, lt]) => lt.id === i.LaunchTemplateId || name === i.LaunchTemplateName);
    if (!entry) throw awsError('InvalidLaunchTemplateId.NotFound');
    aws.launchTemplates.delete(entry[0]);
    return {};
  });
  aws.iamMock.on(iam.ListInstanceProfilesCommand).callsFake(async (i: iam.ListInstanceProfilesCommandInput) => {
    rec('iam', 'ListInstanceProfiles', i);
    // without tags, as IAM answers; two pages to exercise the marker
    const all = [...aws.instanceProfiles.values()].map(p => ({ ...p, Tags: undefined }));
    const start = i.Marker ? Number(i.Marker) : 0;
    const page = all.slice(start, start + 2);
    const next = start + 2 < all.length ? String(start + 2) : undefined;
    return { InstanceProfiles: page, IsTruncated: next !== undefined, Marker: next };
  });
  aws.iamMock.on(iam.DeleteInstanceProfileCommand).callsFake(async (i: iam.DeleteInstanceProfileCommandInput) => {
    rec('iam', 'DeleteInstanceProfile', i);
    const p = aws.instanceProfiles.get(i.InstanceProfileName!);
    if (!p) throw awsError('NoSuchEntityException');
    if ((p.Roles ?? []).length > 0) throw awsError('DeleteConflictException');
    aws.instanceProfiles.delete(i.InstanceProfileName!);
    return {};
  });
  return aws;
}
