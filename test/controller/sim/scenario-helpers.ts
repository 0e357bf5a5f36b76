import * as fs from 'fs';
import * as path from 'path';
import { runScenario, ScenarioResult } from '../../../controller/src/sim/run-scenario';
import { parseScenario } from '../../../controller/src/sim/scenario';
import { syntheticCatalog } from '../../../controller/src/sim/synthetic-catalog';

export const SCENARIOS = path.resolve(__dirname, '../../../controller/examples/scenarios');

export function runScenarioFile(file: string): ScenarioResult {
  const full = path.join(SCENARIOS, file);
  const scenario = parseScenario(fs.readFileSync(full, 'utf8'), full);
  return runScenario(scenario, syntheticCatalog({ zones: [...scenario.settings.zones], spotPriceRatio: scenario.settings.spotPriceRatio }));
}

export function eventsOf(result: ScenarioResult, type: string) {
  return result.steps.flatMap(s => s.events).filter(e => e.type === type);
}
