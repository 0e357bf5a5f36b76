/** Garbage collection of instances, NodeClaims, launch templates and instance profiles (re-exports only). */
export * from './aws-resource-garbage-collector';
export * from './garbage-collection-controller';
export * from './instance-garbage-collector';
