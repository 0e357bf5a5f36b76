/** An invalid object in the simulator's input: names the document and the field. */
export class ManifestError extends Error {
  constructor(readonly document: string, readonly field: string, problem: string) {
    super(`${document}: ${field}: ${problem}`);
    this.name = 'ManifestError';
  }
}

export function isManifestError(e: unknown): e is ManifestError {
  return e instanceof ManifestError;
}
