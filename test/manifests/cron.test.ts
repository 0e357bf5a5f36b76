import { cronProblem } from '../../lib/manifests/private/cron';

test.each([
  '0 9 * * 1-5',
  '0 9 * * mon-fri',
  '*/15 * * * *',
  '0 0 1,15 * *',
  '30 2 ? JAN-MAR SUN',
  '0 22 * * 0',
  '5-55/10 8-18 * 1-12 *',
  '0 0 31 12 6',
  '  0   9 * *   1-5 ',
  '@daily', '@hourly', '@weekly', '@monthly', '@yearly', '@annually', '@midnight',
])('%j is a valid schedule', schedule => {
  expect(cronProblem(schedule)).toBeUndefined();
});

test.each([
  ['', 'expected 5 fields, got 0'],
  ['0 9 * *', 'expected 5 fields, got 4'],
  ['0 0 9 * * 1-5', 'expected 5 fields, got 6'],
  ['60 * * * *', 'minute field "60" is out of range 0-59'],
  ['0 24 * * *', 'hour field "24" is out of range 0-23'],
  ['0 0 0 * *', 'day-of-month field "0" is out of range 1-31'],
  ['0 0 * 13 *', 'month field "13" is out of range 1-12'],
  ['0 0 * * 7', 'day-of-week field "7" is out of range 0-6'],
  ['0 0 * * funday', 'day-of-week field "funday" has an invalid value "funday"'],
  ['0 0 * * 5-1', 'day-of-week field "5-1" has a range "5-1" whose start is after its end'],
  ['*/0 * * * *', 'minute field "*/0" has a step of 0'],
  ['*/x * * * *', 'minute field "*/x" has an invalid step "x"'],
  ['1/2/3 * * * *', 'minute field "1/2/3" has more than one "/"'],
  ['1-2-3 * * * *', 'minute field "1-2-3" has an invalid range "1-2-3"'],
  ['? * * * *', 'minute field "?" has an invalid value "?"'],
  ['0 9 * * 1-5,', 'day-of-week field "1-5," has an invalid value ""'],
  ['@reboot', 'unknown macro "@reboot"'],
  ['@every 5m', 'unknown macro "@every 5m"'],
  ['CRON_TZ=UTC 0 9 * * *', 'time zones are not supported'],
])('%j: %s', (schedule, problem) => {
  expect(cronProblem(schedule)).toBe(problem);
});
