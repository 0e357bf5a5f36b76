import { Duration, Size } from 'cdk8s';
import { durationToKube, durationToSeconds, minutesToKube, sizeToGibibytes, sizeToKube } from '../../lib/manifests/to-kube';

test.each([
  [Duration.seconds(30), '30s'],
  [Duration.seconds(0), '0s'],
  [Duration.seconds(90), '1m30s'],
  [Duration.minutes(5), '5m'],
  [Duration.hours(8), '8h'],
  [Duration.days(30), '720h'],
  [Duration.seconds(3661), '1h1m1s'],
  [Duration.millis(2000), '2s'],
])('durationToKube(%s) is %s', (duration, text) => {
  expect(durationToKube(duration)).toBe(text);
});

test('durationToKube refuses fractions of a second', () => {
  expect(durationToKube(Duration.millis(1500))).toBeUndefined();
});

test.each([
  [Duration.minutes(45), '45m'],
  [Duration.hours(8), '8h'],
  [Duration.minutes(90), '1h30m'],
  [Duration.days(1), '24h'],
  [Duration.seconds(0), '0m'],
])('minutesToKube(%s) is %s', (duration, text) => {
  expect(minutesToKube(duration)).toBe(text);
});

test('minutesToKube refuses seconds', () => {
  expect(minutesToKube(Duration.seconds(30))).toBeUndefined();
});

test('durationToSeconds', () => {
  expect(durationToSeconds(Duration.minutes(2))).toBe(120);
  expect(durationToSeconds(Duration.millis(1))).toBeUndefined();
});

test.each([
  [Size.gibibytes(50), '50Gi'],
  [Size.gibibytes(200), '200Gi'],
  [Size.mebibytes(512), '512Mi'],
  [Size.mebibytes(1536), '1536Mi'],
  [Size.gibibytes(2048), '2Ti'],
  [Size.tebibytes(1024), '1Pi'],
  [Size.kibibytes(3), '3Ki'],
  [Size.gibibytes(0), '0'],
])('sizeToKube(%s) is %s', (size, text) => {
  expect(sizeToKube(size)).toBe(text);
});

test('sizeToKube refuses fractions of a kibibyte', () => {
  expect(sizeToKube(Size.kibibytes(1.5))).toBeUndefined();
});

test('sizeToGibibytes', () => {
  expect(sizeToGibibytes(Size.tebibytes(1))).toBe(1024);
  expect(sizeToGibibytes(Size.mebibytes(512))).toBeUndefined();
});
