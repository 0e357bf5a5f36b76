import type { Ec2NodeClass } from './ec2-node-class';

/** API group of EC2NodeClass. */
const EC2_NODE_CLASS_GROUP = 'karpenter.k8s.aws';
/** Kind of EC2NodeClass. */
const EC2_NODE_CLASS_KIND = 'EC2NodeClass';

/**
 * The node class a NodePool launches nodes with (`spec.template.spec.nodeClassRef`).
 *
 * @see https://karpenter.sh/docs/concepts/nodepools/#spectemplatespecnodeclassref
 */
export class NodeClassReference {
  /** An EC2NodeClass defined in the same app: its name is used and the NodePool is written after it. */
  public static fromEc2NodeClass(nodeClass: Ec2NodeClass): NodeClassReference {
    return new NodeClassReference(EC2_NODE_CLASS_GROUP, EC2_NODE_CLASS_KIND, nodeClass.name, nodeClass);
  }

  /** An EC2NodeClass defined elsewhere (another app, Helm, kubectl), by name, e.g. `default`. */
  public static fromName(name: string): NodeClassReference {
    return new NodeClassReference(EC2_NODE_CLASS_GROUP, EC2_NODE_CLASS_KIND, name, undefined);
  }

  /** API group of the node class: `karpenter.k8s.aws`. */
  public readonly group: string;
  /** Kind of the node class: `EC2NodeClass`. */
  public readonly kind: string;
  /** Name of the node class. */
  public readonly name: string;
  /** The construct, when referenced with `fromEc2NodeClass`. */
  public readonly nodeClass?: Ec2NodeClass;

  private constructor(group: string, kind: string, name: string, nodeClass: Ec2NodeClass | undefined) {
    this.group = group;
    this.kind = kind;
    this.name = name;
    this.nodeClass = nodeClass;
  }
}
