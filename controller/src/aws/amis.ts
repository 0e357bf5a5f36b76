/**
 * AMI resolution for EC2NodeClass `amiSelectorTerms`: `alias` (EKS optimized AMIs from SSM public parameters), `id`,
 * `name` / `owner`, `tags` and `ssmParameter`. Each resolved AMI carries the requirements of the instance types it
 * fits (architecture, and GPU / accelerator variants for aliases).
 */
import { Filter, Image } from '@aws-sdk/client-ec2';
import { Ec2Api, SsmApi } from './api';
import { AmiSelectorTerm, AmiStatus } from './ec2-node-class';
import { isAwsNotFound } from './errors';
import { NodeSelectorRequirement } from '../core/kube-types';
import { AWS_LABELS, LABEL_ARCH } from '../core/labels';

export class AmiSelectorError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AmiSelectorError';
  }
}

/** `al2023@latest` -> { family: 'al2023', version: 'latest' }. */
export function parseAlias(alias: string): { family: string; version: string } {
  const [family, version = 'latest'] = alias.split('@');
  return { family: family.toLowerCase(), version };
}

/** EC2 architecture names -> Kubernetes. */
export function kubeArch(ec2Arch: string | undefined): string | undefined {
  if (ec2Arch === 'x86_64') return 'amd64';
  if (ec2Arch === 'arm64') return 'arm64';
  return undefined;
}

interface AliasQuery {
  readonly parameter: string;
  readonly requirements: NodeSelectorRequirement[];
}

/**
 * The SSM parameters of an AL2023 alias, as upstream: per architecture, the `standard` variant (no GPU / accelerator),
 * `nvidia` (NVIDIA GPUs) and `neuron` (AWS accelerators, x86_64 only). `@latest` reads `.../recommended/image_id`;
 * a pinned version reads `.../amazon-eks-node-al2023-<arch>-<variant>-<k8s>-<version>/image_id`.
 */
export function al2023AliasQueries(k8sVersion: string, version: string): AliasQuery[] {
  const variants: Array<{ variant: string; arches: string[]; reqs: NodeSelectorRequirement[] }> = [
    {
      variant: 'standard',
      arches: ['x86_64', 'arm64'],
      reqs: [
        { key: AWS_LABELS.instanceGpuCount, operator: 'DoesNotExist' },
        { key: AWS_LABELS.instanceAcceleratorCount, operator: 'DoesNotExist' },
      ],
    },
    { variant: 'nvidia', arches: ['x86_64', 'arm64'], reqs: [{ key: AWS_LABELS.instanceGpuManufacturer, operator: 'In', values: ['nvidia'] }] },
    { variant: 'neuron', arches: ['x86_64'], reqs: [{ key: AWS_LABELS.instanceAcceleratorManufacturer, operator: 'In', values: ['aws'] }] },
  ];
  const out: AliasQuery[] = [];
  for (const { variant, arches, reqs } of variants) {
    for (const arch of arches) {
      const leaf = version === 'latest' ? 'recommended' : `amazon-eks-node-al2023-${arch}-${variant}-${k8sVersion}-${version}`;
      out.push({
        parameter: `/aws/service/eks/optimized-ami/${k8sVersion}/amazon-linux-2023/${arch}/${variant}/${leaf}/image_id`,
        requirements: [{ key: LABEL_ARCH, operator: 'In', values: [kubeArch(arch)!] }, ...reqs],
      });
    }
  }
  return out;
}

function imageFilters(term: AmiSelectorTerm): { filters: Filter[]; owners?: string[] } {
  const filters: Filter[] = [];
  if (term.name) filters.push({ Name: 'name', Values: [term.name] });
  for (const [k, v] of Object.entries(term.tags ?? {})) {
    filters.push(v === '*' ? { Name: 'tag-key', Values: [k] } : { Name: `tag:${k}`, Values: [v] });
  }
  return { filters, owners: term.owner ? [term.owner] : undefined };
}

async function describeAll(ec2: Ec2Api, input: Parameters<Ec2Api['describeImages']>[0]): Promise<Image[]> {
  const out: Image[] = [];
  let token: string | undefined;
  do {
    const page = await ec2.describeImages({ ...input, NextToken: token });
    out.push(...(page.Images ?? []));
    token = page.NextToken;
  } while (token);
  return out;
}

function imageToStatus(image: Image, extra: NodeSelectorRequirement[] = []): AmiStatus | undefined {
  const arch = kubeArch(image.Architecture);
  if (!image.ImageId || !arch) return undefined;
  return {
    id: image.ImageId,
    name: image.Name,
    requirements: [{ key: LABEL_ARCH, operator: 'In', values: [arch] }, ...extra],
  };
}

/**
 * Resolves the AMIs of the selector terms, newest first, one per distinct requirement set (as upstream: the newest
 * image wins). Aliases need the cluster's Kubernetes version. Throws AmiSelectorError on an unsupported alias.
 */
export async function resolveAmis(ec2: Ec2Api, ssm: SsmApi, terms: readonly AmiSelectorTerm[], k8sVersion: string): Promise<AmiStatus[]> {
  const candidates: Array<{ status: AmiStatus; created: string }> = [];
  for (const term of terms) {
    if (term.alias) {
      const { family, version } = parseAlias(term.alias);
      if (family !== 'al2023') {
        throw new AmiSelectorError(`amiSelectorTerms alias "${term.alias}" is not supported by the bundled controller: ` +
          'only al2023@<version> is (use the Helm engine for AL2, Bottlerocket or Windows)');
      }
      const queries = al2023AliasQueries(k8sVersion, version);
      const ids = new Map<string, NodeSelectorRequirement[]>();
      for (const q of queries) {
        try {
          const value = (await ssm.getParameter({ Name: q.parameter })).Parameter?.Value;
          if (value) ids.set(value, q.requirements);
        } catch (e) {
          if (!isAwsNotFound(e)) throw new Error(`reading SSM parameter ${q.parameter}`, { cause: e });
        }
      }
      if (ids.size === 0) continue;
      const images = await describeAll(ec2, { ImageIds: [...ids.keys()] });
      const byId = new Map(images.map(i => [i.ImageId, i]));
      for (const [id, reqs] of ids) {
        const image = byId.get(id);
        candidates.push({ status: { id, name: image?.Name, requirements: reqs }, created: image?.CreationDate ?? '' });
      }
      continue;
    }
    if (term.ssmParameter) {
      try {
        const id = (await ssm.getParameter({ Name: term.ssmParameter })).Parameter?.Value;
        if (!id) continue;
        for (const image of await describeAll(ec2, { ImageIds: [id] })) {
          const s = imageToStatus(image);
          if (s) candidates.push({ status: s, created: image.CreationDate ?? '' });
        }
      } catch (e) {
        if (!isAwsNotFound(e)) throw new Error(`reading SSM parameter ${term.ssmParameter}`, { cause: e });
      }
      continue;
    }
    const input = term.id ? { ImageIds: [term.id] } : (() => {
      const { filters, owners } = imageFilters(term);
      return { Filters: filters.length ? filters : undefined, Owners: owners };
    })();
    let images: Image[];
    try {
      images = await describeAll(ec2, input);
    } catch (e) {
      if (term.id && isAwsNotFound(e)) continue;
      throw new Error(`describing images for amiSelectorTerm ${JSON.stringify(term)}`, { cause: e });
    }
    for (const image of images) {
      const s = imageToStatus(image);
      if (s) candidates.push({ status: s, created: image.CreationDate ?? '' });
    }
  }
  candidates.sort((a, b) => b.created.localeCompare(a.created) || a.status.id.localeCompare(b.status.id));
  const seen = new Set<string>();
  const out: AmiStatus[] = [];
  for (const c of candidates) {
    const key = JSON.stringify(c.status.requirements);
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(c.status);
  }
  return out;
}
