import { Annotations, App as CdkApp, Stack } from 'aws-cdk-lib';
import { App, Chart, Duration, Testing } from 'cdk8s';
import { chartWithWarnings } from './helpers';
import { ConsolidateAfter, ConsolidationPolicy, ManifestWarnings, NodeClassReference, NodePool, NodePoolDisruption } from '../../lib/manifests';

const nodeClass = NodeClassReference.fromName('default');
const churn = (after: string, policy: string) => `NodePool "test": disruption.consolidateAfter (${after}) is under 1 minute with consolidationPolicy ${policy}: `
  + 'nodes are consolidated as soon as pods move, which makes the cluster churn. Use ConsolidateAfter.after(Duration.minutes(1)) or more.';

describe('consolidateAfter under 1 minute', () => {
  test.each<[string, NodePoolDisruption, string[]]>([
    ['30s with the default policy', { consolidateAfter: ConsolidateAfter.after(Duration.seconds(30)) }, [churn('30s', 'WhenEmptyOrUnderutilized')]],
    ['0s with WhenEmptyOrUnderutilized', {
      consolidationPolicy: ConsolidationPolicy.WHEN_EMPTY_OR_UNDERUTILIZED, consolidateAfter: ConsolidateAfter.after(Duration.seconds(0)),
    }, [churn('0s', 'WhenEmptyOrUnderutilized')]],
    ['59s with Balanced', { consolidationPolicy: ConsolidationPolicy.BALANCED, consolidateAfter: ConsolidateAfter.after(Duration.seconds(59)) },
      [churn('59s', 'Balanced')]],
    ['30s with WhenEmpty', { consolidationPolicy: ConsolidationPolicy.WHEN_EMPTY, consolidateAfter: ConsolidateAfter.after(Duration.seconds(30)) }, []],
    ['exactly 1 minute', { consolidateAfter: ConsolidateAfter.after(Duration.minutes(1)) }, []],
    ['never', { consolidateAfter: ConsolidateAfter.never() }, []],
    ['not set (Karpenter default)', {}, []],
  ])('%s', (_title, disruption, expected) => {
    const { chart, warnings } = chartWithWarnings();
    const pool = new NodePool(chart, 'Pool', { metadata: { name: 'test' }, nodeClass, disruption });
    expect(warnings).toEqual([]); // emitted when rendered, not when built
    pool.toJson();
    pool.toJson();
    expect(warnings).toEqual(expected.map(message => ({ path: 'test/Pool', id: 'karpenter-cdk:consolidateAfter', message })));
  });
});

describe('where warnings go', () => {
  const disruption = { consolidateAfter: ConsolidateAfter.after(Duration.seconds(10)) };

  test('to console.warn in a plain cdk8s app without a handler', () => {
    const warn = jest.spyOn(console, 'warn').mockImplementation(() => undefined);
    try {
      const chart = Testing.chart();
      new NodePool(chart, 'Pool', { metadata: { name: 'test' }, nodeClass, disruption });
      Testing.synth(chart);
      expect(warn).toHaveBeenCalledTimes(1);
      expect(warn).toHaveBeenCalledWith(`[WARNING] test/Pool: ${churn('10s', 'WhenEmptyOrUnderutilized')} [karpenter-cdk:consolidateAfter]`);
    } finally {
      warn.mockRestore();
    }
  });

  test('to the nearest handler: a chart handler wins over an app handler', () => {
    const app = new App();
    const appWarnings: string[] = [];
    const chartWarnings: string[] = [];
    ManifestWarnings.setHandler(app, { warn: (_s, id) => appWarnings.push(id) });
    const chart = new Chart(app, 'Nodes');
    ManifestWarnings.setHandler(chart, { warn: (_s, id) => chartWarnings.push(id) });
    new NodePool(chart, 'Pool', { nodeClass, disruption });
    new NodePool(new Chart(app, 'Other'), 'Pool', { nodeClass, disruption });
    app.synthYaml();
    expect(chartWarnings).toEqual(['karpenter-cdk:consolidateAfter']);
    expect(appWarnings).toEqual(['karpenter-cdk:consolidateAfter']);
  });

  test('a handler can forward to the annotations of another construct (what the Karpenter construct does)', () => {
    const stack = new Stack(new CdkApp(), 'Stack');
    const chart = Testing.chart();
    ManifestWarnings.setHandler(chart, { warn: (_scope, id, message) => Annotations.of(stack).addWarningV2(id, message) });
    new NodePool(chart, 'Pool', { metadata: { name: 'test' }, nodeClass, disruption });
    chart.toJson();
    const warnings = stack.node.metadata.filter(m => m.type === 'aws:cdk:warning').map(m => m.data);
    expect(warnings).toEqual([`${churn('10s', 'WhenEmptyOrUnderutilized')} [ack: karpenter-cdk:consolidateAfter]`]);
  });
});
