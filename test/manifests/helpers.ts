import { Chart, Testing } from 'cdk8s';
import { IConstruct } from 'constructs';
import { ManifestWarnings } from '../../lib/manifests';

/** Asserts that `fn` throws the project's ValidationError with exactly `message`. */
export function expectValidationError(fn: () => unknown, message: string): void {
  let error: unknown;
  try {
    fn();
  } catch (e) {
    error = e;
  }
  expect(error).toBeInstanceOf(Error);
  expect((error as Error).message).toBe(message);
  expect((error as Error).name).toBe('ValidationError');
}

/** A warning received by a collecting handler. */
export interface CollectedWarning {
  readonly path: string;
  readonly id: string;
  readonly message: string;
}

/** A fresh chart whose manifest warnings are collected into the returned array. */
export function chartWithWarnings(): { chart: Chart; warnings: CollectedWarning[] } {
  const chart = Testing.chart();
  const warnings: CollectedWarning[] = [];
  ManifestWarnings.setHandler(chart, {
    warn: (scope: IConstruct, id: string, message: string) => warnings.push({ path: scope.node.path, id, message }),
  });
  return { chart, warnings };
}
