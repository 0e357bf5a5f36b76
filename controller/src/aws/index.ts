/** The AWS side of the controller (re-exports only). */
export * from './api';
export * from './amis';
export * from './cloud-provider';
export * from './cluster-info';
export * from './ec2-node-class';
export * from './errors';
export * from './instance-facts';
export * from './instance-profiles';
export * from './instance-type-provider';
export * from './launch-templates';
export * from './node-class-reconciler';
export * from './pricing';
export * from './unavailable-offerings';
export * from './user-data';
export * from './retry';
