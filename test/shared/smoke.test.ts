import { Template } from 'aws-cdk-lib/assertions';
import { testCluster, testStack } from '../helpers/fixtures';

test('an eks-v2 test cluster synthesizes', () => {
  const stack = testStack();
  testCluster(stack);
  Template.fromStack(stack).resourceCountIs('AWS::EKS::Cluster', 1);
});
