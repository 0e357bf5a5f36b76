/**
 * The AWS APIs the provider calls, as narrow interfaces (only the calls used, SDK v3 input and output shapes without
 * `$metadata`), and thin adapters over the SDK clients. Core code depends on these interfaces only: tests fake them
 * with plain objects, or mock the SDK clients under the adapters with `aws-sdk-client-mock`.
 */
import * as ec2 from '@aws-sdk/client-ec2';
import * as eks from '@aws-sdk/client-eks';
import * as iam from '@aws-sdk/client-iam';
import * as pricing from '@aws-sdk/client-pricing';
import * as ssm from '@aws-sdk/client-ssm';

/** An SDK output without the response metadata. */
export type Out<T> = Omit<T, '$metadata'>;

export interface Ec2Api {
  describeSubnets(input: ec2.DescribeSubnetsCommandInput): Promise<Out<ec2.DescribeSubnetsCommandOutput>>;
  describeSecurityGroups(input: ec2.DescribeSecurityGroupsCommandInput): Promise<Out<ec2.DescribeSecurityGroupsCommandOutput>>;
  describeImages(input: ec2.DescribeImagesCommandInput): Promise<Out<ec2.DescribeImagesCommandOutput>>;
  describeInstanceTypes(input: ec2.DescribeInstanceTypesCommandInput): Promise<Out<ec2.DescribeInstanceTypesCommandOutput>>;
  describeInstanceTypeOfferings(input: ec2.DescribeInstanceTypeOfferingsCommandInput): Promise<Out<ec2.DescribeInstanceTypeOfferingsCommandOutput>>;
  describeSpotPriceHistory(input: ec2.DescribeSpotPriceHistoryCommandInput): Promise<Out<ec2.DescribeSpotPriceHistoryCommandOutput>>;
  describeLaunchTemplates(input: ec2.DescribeLaunchTemplatesCommandInput): Promise<Out<ec2.DescribeLaunchTemplatesCommandOutput>>;
  createLaunchTemplate(input: ec2.CreateLaunchTemplateCommandInput): Promise<Out<ec2.CreateLaunchTemplateCommandOutput>>;
  deleteLaunchTemplate(input: ec2.DeleteLaunchTemplateCommandInput): Promise<Out<ec2.DeleteLaunchTemplateCommandOutput>>;
  createFleet(input: ec2.CreateFleetCommandInput): Promise<Out<ec2.CreateFleetCommandOutput>>;
  describeInstances(input: ec2.DescribeInstancesCommandInput): Promise<Out<ec2.DescribeInstancesCommandOutput>>;
  terminateInstances(input: ec2.TerminateInstancesCommandInput): Promise<Out<ec2.TerminateInstancesCommandOutput>>;
}

export interface SsmApi {
  getParameter(input: ssm.GetParameterCommandInput): Promise<Out<ssm.GetParameterCommandOutput>>;
}

export interface PricingApi {
  getProducts(input: pricing.GetProductsCommandInput): Promise<Out<pricing.GetProductsCommandOutput>>;
}

export interface EksApi {
  describeCluster(input: eks.DescribeClusterCommandInput): Promise<Out<eks.DescribeClusterCommandOutput>>;
}

export interface IamApi {
  getInstanceProfile(input: iam.GetInstanceProfileCommandInput): Promise<Out<iam.GetInstanceProfileCommandOutput>>;
  createInstanceProfile(input: iam.CreateInstanceProfileCommandInput): Promise<Out<iam.CreateInstanceProfileCommandOutput>>;
  tagInstanceProfile(input: iam.TagInstanceProfileCommandInput): Promise<Out<iam.TagInstanceProfileCommandOutput>>;
  addRoleToInstanceProfile(input: iam.AddRoleToInstanceProfileCommandInput): Promise<Out<iam.AddRoleToInstanceProfileCommandOutput>>;
  removeRoleFromInstanceProfile(input: iam.RemoveRoleFromInstanceProfileCommandInput): Promise<Out<iam.RemoveRoleFromInstanceProfileCommandOutput>>;
  /** Garbage collection of the profiles of deleted EC2NodeClasses. */
  listInstanceProfiles(input: iam.ListInstanceProfilesCommandInput): Promise<Out<iam.ListInstanceProfilesCommandOutput>>;
  deleteInstanceProfile(input: iam.DeleteInstanceProfileCommandInput): Promise<Out<iam.DeleteInstanceProfileCommandOutput>>;
}

/** The five APIs together. */
export interface AwsApis {
  readonly ec2: Ec2Api;
  readonly ssm: SsmApi;
  readonly pricing: PricingApi;
  readonly eks: EksApi;
  readonly iam: IamApi;
}

export function ec2Api(client: ec2.EC2Client): Ec2Api {
  return {
    describeSubnets: (i) => client.send(new ec2.DescribeSubnetsCommand(i)),
    describeSecurityGroups: (i) => client.send(new ec2.DescribeSecurityGroupsCommand(i)),
    describeImages: (i) => client.send(new ec2.DescribeImagesCommand(i)),
    describeInstanceTypes: (i) => client.send(new ec2.DescribeInstanceTypesCommand(i)),
    describeInstanceTypeOfferings: (i) => client.send(new ec2.DescribeInstanceTypeOfferingsCommand(i)),
    describeSpotPriceHistory: (i) => client.send(new ec2.DescribeSpotPriceHistoryCommand(i)),
    describeLaunchTemplates: (i) => client.send(new ec2.DescribeLaunchTemplatesCommand(i)),
    createLaunchTemplate: (i) => client.send(new ec2.CreateLaunchTemplateCommand(i)),
    deleteLaunchTemplate: (i) => client.send(new ec2.DeleteLaunchTemplateCommand(i)),
    createFleet: (i) => client.send(new ec2.CreateFleetCommand(i)),
    describeInstances: (i) => client.send(new ec2.DescribeInstancesCommand(i)),
    terminateInstances: (i) => client.send(new ec2.TerminateInstancesCommand(i)),
  };
}

export function ssmApi(client: ssm.SSMClient): SsmApi {
  return { getParameter: (i) => client.send(new ssm.GetParameterCommand(i)) };
}

export function pricingApi(client: pricing.PricingClient): PricingApi {
  return { getProducts: (i) => client.send(new pricing.GetProductsCommand(i)) };
}

export function eksApi(client: eks.EKSClient): EksApi {
  return { describeCluster: (i) => client.send(new eks.DescribeClusterCommand(i)) };
}

export function iamApi(client: iam.IAMClient): IamApi {
  return {
    getInstanceProfile: (i) => client.send(new iam.GetInstanceProfileCommand(i)),
    createInstanceProfile: (i) => client.send(new iam.CreateInstanceProfileCommand(i)),
    tagInstanceProfile: (i) => client.send(new iam.TagInstanceProfileCommand(i)),
    addRoleToInstanceProfile: (i) => client.send(new iam.AddRoleToInstanceProfileCommand(i)),
    removeRoleFromInstanceProfile: (i) => client.send(new iam.RemoveRoleFromInstanceProfileCommand(i)),
    listInstanceProfiles: (i) => client.send(new iam.ListInstanceProfilesCommand(i)),
    deleteInstanceProfile: (i) => client.send(new iam.DeleteInstanceProfileCommand(i)),
  };
}

/**
 * The region of the Pricing API endpoint for a region's partition: `us-east-1` for the commercial partition,
 * `cn-northwest-1` for China (the Pricing API has no endpoint in GovCloud or the ISO partitions: prices fall back).
 */
export function pricingRegion(region: string): string {
  if (region.startsWith('cn-')) return 'cn-northwest-1';
  return 'us-east-1';
}

/** Real SDK clients for a region, wrapped in the narrow interfaces. */
export function sdkApis(region: string): AwsApis {
  return {
    ec2: ec2Api(new ec2.EC2Client({ region })),
    ssm: ssmApi(new ssm.SSMClient({ region })),
    pricing: pricingApi(new pricing.PricingClient({ region: pricingRegion(region) })),
    eks: eksApi(new eks.EKSClient({ region })),
    iam: iamApi(new iam.IAMClient({ region })),
  };
}
