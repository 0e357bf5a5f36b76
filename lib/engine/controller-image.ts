import * as fs from 'fs';
import * as path from 'path';
import { Token } from 'aws-cdk-lib';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import * as ecrAssets from 'aws-cdk-lib/aws-ecr-assets';
import { Construct } from 'constructs';
import { ensureControllerBundle } from './controller-bundle';
import { fail } from '../private/errors';

/** Options of the image built from a Docker build context at deploy time. */
export interface ControllerImageAssetOptions {
  /**
   * Platform the image is built for: the architecture of the nodes the controller runs on (not of the nodes
   * Karpenter launches). The build has no `RUN` step, so any platform builds without emulation.
   *
   * @default ecrAssets.Platform.LINUX_AMD64
   */
  readonly platform?: ecrAssets.Platform;
}

const DOCKER_TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;
const DOCKER_DIGEST = /^sha256:[a-f0-9]{64}$/;

/**
 * The container image of the bundled controller.
 *
 * @example
 * ControllerImage.fromEcrRepository(ecr.Repository.fromRepositoryName(this, 'Repo', 'karpenter-cdk'), '0.3.0')
 */
export class ControllerImage {
  /**
   * The controller shipped in this package (`assets/controller`), built by `cdk deploy` and pushed to the CDK asset
   * repository (needs Docker or Finch at deploy time, not at synth). In a source checkout, a missing or stale
   * bundle is rebuilt with esbuild at synth.
   */
  public static fromBundle(options: ControllerImageAssetOptions = {}): ControllerImage {
    return new ControllerImage((scope) => {
      const directory = ensureControllerBundle('KarpenterController.bundled');
      return ControllerImage.asset(scope, directory, options);
    });
  }

  /**
   * An image built by `cdk deploy` from your own Docker build context (e.g. the bundle with extra CA certificates).
   *
   * @param directory a directory holding a `Dockerfile`.
   */
  public static fromAsset(directory: string, options: ControllerImageAssetOptions = {}): ControllerImage {
    const absolute = path.resolve(directory);
    if (!fs.existsSync(path.join(absolute, 'Dockerfile'))) {
      fail(`ControllerImage.fromAsset: directory "${directory}" has no Dockerfile. Pass a Docker build context, ` +
        'e.g. a copy of the package\'s assets/controller.');
    }
    return new ControllerImage((scope) => ControllerImage.asset(scope, absolute, options));
  }

  /**
   * A prebuilt image in an ECR repository (no Docker needed at deploy time). The nodes the controller runs on must be
   * allowed to pull from it.
   *
   * @param repository the repository.
   * @param tagOrDigest an image tag (`0.3.0`) or digest (`sha256:...`).
   */
  public static fromEcrRepository(repository: ecr.IRepository, tagOrDigest: string): ControllerImage {
    if (!Token.isUnresolved(tagOrDigest) && !DOCKER_TAG.test(tagOrDigest) && !DOCKER_DIGEST.test(tagOrDigest)) {
      fail(`ControllerImage.fromEcrRepository: tagOrDigest "${tagOrDigest}" is neither an image tag nor a digest. ` +
        'Use a tag of letters, digits, "_", "." and "-" (at most 128 characters, e.g. "0.3.0") or "sha256:<64 hex digits>".');
    }
    return new ControllerImage(() => repository.repositoryUriForTagOrDigest(tagOrDigest));
  }

  /**
   * A prebuilt image by reference (no Docker needed at deploy time), e.g.
   * `123456789012.dkr.ecr.eu-west-1.amazonaws.com/karpenter-cdk:0.3.0`. Prefer a digest or an immutable tag.
   *
   * @param imageUri the image reference: `[registry/]repository[:tag][@digest]`.
   */
  public static fromRegistry(imageUri: string): ControllerImage {
    if (!Token.isUnresolved(imageUri) && (imageUri.length === 0 || /\s/.test(imageUri))) {
      fail(`ControllerImage.fromRegistry: imageUri ${JSON.stringify(imageUri)} is not an image reference. ` +
        'Use "[registry/]repository[:tag][@digest]", e.g. "123456789012.dkr.ecr.eu-west-1.amazonaws.com/karpenter-cdk:0.3.0".');
    }
    return new ControllerImage(() => imageUri);
  }

  private static asset(scope: Construct, directory: string, options: ControllerImageAssetOptions): string {
    return new ecrAssets.DockerImageAsset(scope, 'Image', {
      directory,
      platform: options.platform ?? ecrAssets.Platform.LINUX_AMD64,
    }).imageUri;
  }

  private constructor(private readonly binder: (scope: Construct) => string) {}

  /**
   * The image reference for the pod spec; creates the image asset (if any) in `scope` as `Image`.
   * @internal
   */
  public _bind(scope: Construct): string {
    return this.binder(scope);
  }
}
