/**
 * Loads an instance-type catalog in the shape of `../shared/reference/karpenter/instance-types.json`
 * (`{ instanceTypes: [ { name, vcpu, memoryMiB, architectures, onDemandPriceUSD, ... } ] }`). Types without vCPU,
 * memory or price are skipped.
 */
import * as fs from 'fs';
import { InstanceTypeInfo } from '../aws/instance-type-info';
import { newInstanceType, uniformOfferings } from '../aws/instance-types';
import { OverheadOptions } from '../aws/overhead';
import { InstanceType } from '../cloudprovider/instance-type';
import { CPU, EPHEMERAL_STORAGE, MEMORY, PODS, parseResource } from '../core/resources';

/** A record of the catalog file (only the fields read here). */
export interface CatalogRecord {
  name: string;
  vcpu?: number | null;
  memoryMiB?: number | null;
  architectures?: string[] | null;
  os?: string | null;
  cpuManufacturer?: string | null;
  cpuSustainedClockSpeedMhz?: number | null;
  gpu?: { count: number; manufacturer: string; name: string; memoryMiB?: number } | null;
  accelerator?: { count: number; manufacturer: string; name: string } | null;
  localNvmeGB?: number | null;
  ebsBandwidthMbps?: number | null;
  networkBandwidthMbps?: number | null;
  encryptionInTransitSupported?: boolean | null;
  hypervisor?: string | null;
  bareMetal?: boolean | null;
  capabilityFlex?: boolean | null;
  defaultCardMaxENIs?: number | null;
  ipv4PerENI?: number | null;
  trunkingCompatible?: boolean | null;
  branchInterfaces?: number | null;
  maxPodsAL2023?: number | null;
  supportedUsageClasses?: string[] | null;
  onDemandPriceUSD?: number | null;
  allocatableAL2023?: Record<string, string> | null;
}

export class CatalogError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CatalogError';
  }
}

const CORE_RESOURCES = new Set([CPU, MEMORY, PODS, EPHEMERAL_STORAGE]);

function opt<T>(v: T | null | undefined): T | undefined {
  return v === null ? undefined : v;
}

/** Device-plugin resources: from the record's allocatable vector when present, else from the GPU / accelerator facts. */
function extendedResources(r: CatalogRecord): Record<string, number> {
  const out: Record<string, number> = {};
  if (r.allocatableAL2023) {
    for (const [k, v] of Object.entries(r.allocatableAL2023)) if (!CORE_RESOURCES.has(k)) out[k] = parseResource(k, v);
    return out;
  }
  if (r.gpu?.manufacturer === 'nvidia') out['nvidia.com/gpu'] = r.gpu.count;
  if (r.gpu?.manufacturer === 'amd') out['amd.com/gpu'] = r.gpu.count;
  if (r.accelerator && /inferentia|trainium/.test(r.accelerator.name)) out['aws.amazon.com/neuron'] = r.accelerator.count;
  if (r.trunkingCompatible && r.branchInterfaces) out['vpc.amazonaws.com/pod-eni'] = r.branchInterfaces;
  return out;
}

/** The EC2 facts of a record, or undefined when it lacks vCPU or memory. */
export function recordToInfo(r: CatalogRecord): InstanceTypeInfo | undefined {
  if (!r.vcpu || !r.memoryMiB) return undefined;
  const hasEni = typeof r.defaultCardMaxENIs === 'number' && typeof r.ipv4PerENI === 'number';
  return {
    name: r.name,
    vcpu: r.vcpu,
    memoryMiB: r.memoryMiB,
    architecture: r.architectures?.[0] ?? 'amd64',
    os: opt(r.os),
    cpuManufacturer: opt(r.cpuManufacturer),
    cpuSustainedClockSpeedMhz: opt(r.cpuSustainedClockSpeedMhz),
    gpu: opt(r.gpu),
    accelerator: opt(r.accelerator),
    localNvmeGB: opt(r.localNvmeGB),
    ebsBandwidthMbps: opt(r.ebsBandwidthMbps),
    networkBandwidthMbps: opt(r.networkBandwidthMbps),
    encryptionInTransitSupported: opt(r.encryptionInTransitSupported),
    hypervisor: opt(r.hypervisor),
    bareMetal: opt(r.bareMetal),
    capabilityFlex: opt(r.capabilityFlex),
    maxENIs: hasEni ? (r.defaultCardMaxENIs as number) : undefined,
    ipv4PerENI: hasEni ? (r.ipv4PerENI as number) : undefined,
    maxPods: hasEni ? undefined : opt(r.maxPodsAL2023) ?? (r.allocatableAL2023?.pods ? Number(r.allocatableAL2023.pods) : undefined),
    extendedResources: extendedResources(r),
  };
}

export interface CatalogOptions {
  readonly zones: readonly string[];
  readonly spotPriceRatio: number;
  readonly overhead?: OverheadOptions;
}

export interface LoadedCatalog {
  readonly instanceTypes: InstanceType[];
  /** Names skipped because vCPU, memory or price is missing. */
  readonly skipped: string[];
}

/** Parses the catalog document (already JSON-decoded). Throws CatalogError on a wrong shape. */
export function catalogFromJson(doc: unknown, opts: CatalogOptions, source = 'catalog'): LoadedCatalog {
  const list = (doc as { instanceTypes?: unknown } | null)?.instanceTypes;
  if (!Array.isArray(list)) throw new CatalogError(`${source}: expected an object with an "instanceTypes" array`);
  const instanceTypes: InstanceType[] = [];
  const skipped: string[] = [];
  list.forEach((raw, i) => {
    const r = raw as CatalogRecord;
    if (!r || typeof r.name !== 'string') throw new CatalogError(`${source}: instanceTypes[${i}] has no "name"`);
    const info = recordToInfo(r);
    const price = r.onDemandPriceUSD;
    if (!info || typeof price !== 'number' || !(price > 0)) {
      skipped.push(r.name);
      return;
    }
    const capacityTypes = r.supportedUsageClasses?.length ? r.supportedUsageClasses : ['on-demand', 'spot'];
    const offerings = uniformOfferings(price, opts.zones, { capacityTypes, spotPriceRatio: opts.spotPriceRatio });
    instanceTypes.push(newInstanceType(info, offerings, opts.overhead));
  });
  return { instanceTypes, skipped };
}

/** Reads and parses a catalog file. Throws CatalogError with the path on any problem. */
export function loadCatalogFile(file: string, opts: CatalogOptions): LoadedCatalog {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw new CatalogError(`cannot read catalog ${file}: ${(e as Error).message}`);
  }
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw new CatalogError(`catalog ${file} is not valid JSON: ${(e as Error).message}`);
  }
  return catalogFromJson(doc, opts, file);
}
