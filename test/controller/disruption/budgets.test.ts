import { catalog, node, pool } from './fixtures';
import { allowedDisruptionsByReason, budgetIsActive, buildBudgetMapping, UNLIMITED } from '../../../controller/src/core/disruption/budgets';

const at = (iso: string) => new Date(iso);

describe('budget schedules (cron, UTC) with a duration', () => {
  test.each([
    // schedule, duration, now, active
    ['0 9 * * 1-5', '8h', '2026-01-05T08:59:59Z', false], // Monday before the window
    ['0 9 * * 1-5', '8h', '2026-01-05T09:00:00Z', true], // opens on the hit
    ['0 9 * * 1-5', '8h', '2026-01-05T12:30:00Z', true],
    ['0 9 * * 1-5', '8h', '2026-01-05T16:59:59Z', true],
    ['0 9 * * 1-5', '8h', '2026-01-05T17:00:00Z', false], // closes after exactly the duration
    ['0 9 * * 1-5', '8h', '2026-01-10T12:00:00Z', false], // Saturday
    ['@daily', '10m', '2026-01-05T00:05:00Z', true],
    ['@daily', '10m', '2026-01-05T00:10:00Z', false],
    ['0 22 * * *', '4h', '2026-01-06T01:30:00Z', true], // a window across midnight
    ['0 22 * * *', '4h', '2026-01-06T02:00:01Z', false],
    ['*/15 * * * *', '5m', '2026-01-05T10:47:00Z', true],
    ['*/15 * * * *', '5m', '2026-01-05T10:51:00Z', false],
    ['0 0 1 * *', '24h', '2026-02-01T23:59:00Z', true], // monthly
  ])('%s for %s at %s: active=%s', (schedule, duration, now, active) => {
    expect(budgetIsActive({ nodes: '0', schedule, duration }, at(now))).toBe(active);
  });

  test('a budget without schedule and duration is always active', () => {
    expect(budgetIsActive({ nodes: '1' }, at('2026-01-05T00:00:00Z'))).toBe(true);
  });

  test.each([
    [{ nodes: '1', schedule: '0 9 * * *' }, /both schedule and duration/],
    [{ nodes: '1', schedule: 'not a cron', duration: '1h' }, /invalid schedule/],
    [{ nodes: '1', schedule: '0 0 9 * * *', duration: '1h' }, /expected 5 cron fields/],
    [{ nodes: '1', schedule: '@sometimes', duration: '1h' }, /unknown descriptor/],
    [{ nodes: '1', schedule: '0 9 * * *', duration: 'soon' }, /invalid duration/],
  ])('invalid %j throws', (budget, message) => {
    expect(() => budgetIsActive(budget, at('2026-01-05T10:00:00Z'))).toThrow(message);
  });
});

describe('allowed disruptions', () => {
  const now = at('2026-01-05T12:00:00Z');
  test.each([
    ['10%', 10, 1],
    ['10%', 11, 2], // rounded up
    ['10%', 1, 1],
    ['10%', 0, 0],
    ['25%', 10, 3],
    ['0%', 10, 0],
    ['100%', 7, 7],
    ['3', 10, 3],
    ['0', 10, 0],
  ])('nodes %s of %i nodes allows %i', (nodes, count, allowed) => {
    expect(allowedDisruptionsByReason(pool({ budgets: [{ nodes }] }), count, 'Underutilized', now).allowed).toBe(allowed);
  });

  test('the default budget is 10%', () => {
    const np = pool();
    delete np.spec.disruption!.budgets;
    expect(allowedDisruptionsByReason(np, 20, 'Drifted', now).allowed).toBe(2);
  });

  test('the minimum of the active budgets that apply to the reason', () => {
    const np = pool({ budgets: [{ nodes: '50%' }, { nodes: '1', reasons: ['Drifted'] }, { nodes: '0', reasons: ['Empty'], schedule: '0 0 * * *', duration: '1h' }] });
    expect(allowedDisruptionsByReason(np, 10, 'Underutilized', now).allowed).toBe(5);
    expect(allowedDisruptionsByReason(np, 10, 'Drifted', now).allowed).toBe(1);
    expect(allowedDisruptionsByReason(np, 10, 'Empty', now).allowed).toBe(5); // its window is not active at noon
    expect(allowedDisruptionsByReason(np, 10, 'Empty', at('2026-01-05T00:30:00Z')).allowed).toBe(0);
  });

  test('no active budget: unlimited', () => {
    const np = pool({ budgets: [{ nodes: '0', schedule: '0 0 * * *', duration: '1h' }] });
    expect(allowedDisruptionsByReason(np, 10, 'Empty', now).allowed).toBe(UNLIMITED);
  });

  test.each([
    [{ nodes: 'lots' }],
    [{ nodes: '150%' }],
    [{ nodes: '1', schedule: 'every day', duration: '1h' }],
  ])('an invalid budget %j fails closed with an error', budget => {
    const r = allowedDisruptionsByReason(pool({ budgets: [{ nodes: '100%' }, budget] }), 10, 'Underutilized', now);
    expect(r.allowed).toBe(0);
    expect(r.error).toMatch(/NodePool "default" has an invalid disruption budget/);
  });
});

describe('budget mapping', () => {
  const [small] = catalog();
  const now = at('2026-01-05T12:00:00Z');

  test('NotReady and deleting nodes use up budget; uninitialized and unmanaged nodes do not count', () => {
    const nodes = [
      node({ name: 'a', type: small }), node({ name: 'b', type: small }), node({ name: 'c', type: small }), node({ name: 'd', type: small }),
      node({ name: 'not-ready', type: small, ready: false }),
      node({ name: 'deleting', type: small, markedForDeletion: true }),
      node({ name: 'launching', type: small, initialized: false }),
      { ...node({ name: 'unmanaged', type: small }), nodeClaim: undefined },
    ];
    const m = buildBudgetMapping([pool({ budgets: [{ nodes: '50%' }] })], nodes, 'Underutilized', now);
    expect(m.nodes.get('default')).toBe(6);
    expect(m.disrupting.get('default')).toBe(2);
    expect(m.allowed.get('default')).toBe(1); // ceil(50% of 6) = 3, minus 2
  });

  test('never below zero; invalid budgets reported per NodePool', () => {
    const nodes = [node({ name: 'x', type: small, ready: false }), node({ name: 'y', type: small, ready: false })];
    const m = buildBudgetMapping([pool({ budgets: [{ nodes: '1' }] }), pool({ name: 'broken', budgets: [{ nodes: 'x' }] })], nodes, 'Empty', now);
    expect(m.allowed.get('default')).toBe(0);
    expect(m.allowed.get('broken')).toBe(0);
    expect(m.errors.get('broken')).toMatch(/invalid nodes "x"/);
  });
});
