import * as fs from 'fs';
import * as path from 'path';
import { INTERRUPTION_EVENT_KINDS } from '../../lib';
import { SHARED_REFERENCE } from '../helpers/fixtures';
import { parseCloudFormationYaml } from '../helpers/resolve-template';

const reference = parseCloudFormationYaml(fs.readFileSync(path.join(SHARED_REFERENCE, 'cloudformation.yaml'), 'utf8'));
const referenceRules = Object.entries(reference.Resources)
  .filter(([, resource]) => resource.Type === 'AWS::Events::Rule')
  .map(([logicalId, resource]) => {
    const pattern = (resource.Properties as any).EventPattern;
    return { ruleId: logicalId, source: pattern.source, detailType: pattern['detail-type'] };
  });

test('the shared constants are the upstream event patterns, character for character and in order', () => {
  expect(referenceRules).toHaveLength(5);
  expect(INTERRUPTION_EVENT_KINDS.map((kind) => ({ ruleId: kind.ruleId, source: [kind.source], detailType: [kind.detailType] })))
    .toEqual(referenceRules);
});
