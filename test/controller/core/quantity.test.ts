import {
  formatMilli, formatQuantity, formatValue, isQuantityError, parseMilli, parseQuantity, parseValue, QuantityError,
} from '../../../controller/src/core/quantity';

describe('parseMilli', () => {
  test.each([
    ['100m', 100], ['1', 1000], ['1.5', 1500], ['0.1', 100], ['.5', 500], ['2.', 2000], ['1e3', 1000000],
    ['1E3', 1000000], ['1e-3', 1], ['250m', 250], ['0.0001', 1], ['+3', 3000], ['1k', 1000000], [2, 2000], [0.25, 250],
    ['1Ki', 1024000], ['0', 0], ['1u', 1], ['1n', 1],
  ])('%p -> %p millis', (input, expected) => {
    expect(parseMilli(input)).toBe(expected);
  });
});

describe('parseValue (rounds up like Quantity.Value())', () => {
  test.each([
    ['4Gi', 4 * 2 ** 30], ['1.5Gi', 1.5 * 2 ** 30], ['200M', 200e6], ['100Mi', 100 * 2 ** 20], ['1e3', 1000],
    ['100m', 1], ['1500m', 2], ['128974848', 128974848], ['129e6', 129000000], ['123Mi', 128974848], ['1Ti', 2 ** 40],
    ['0.5Ki', 512], ['1E', 1e18], ['-1', -1], ['-1.5', -1], [110, 110],
  ])('%p -> %p', (input, expected) => {
    expect(parseValue(input)).toBe(expected);
  });
});

describe('invalid quantities', () => {
  test.each(['', 'abc', '1.2.3', '4GB', '1Gi1', 'Gi', '--1', '1 Gi', 'NaN', '1e', '1ee3', '0x10'])('%p is rejected', input => {
    expect(() => parseQuantity(input)).toThrow(QuantityError);
    try {
      parseQuantity(input);
    } catch (e) {
      expect(isQuantityError(e)).toBe(true);
      expect((e as Error).message).toContain(JSON.stringify(input));
    }
  });
  test('non-finite numbers are rejected', () => {
    expect(() => parseQuantity(Infinity)).toThrow(/not a finite number/);
  });
});

describe('formatting', () => {
  test.each([[1500, '1500m'], [2000, '2'], [100, '100m'], [0, '0']])('formatMilli(%p) = %p', (m, s) => {
    expect(formatMilli(m)).toBe(s);
  });
  test.each([
    [4 * 2 ** 30, '4Gi'], [14162 * 2 ** 20, '14162Mi'], [200e6, '200M'], [1000, '1k'], [58, '58'], [1536, '1536'],
    [2 ** 20 * 1.5, '1536Ki'], [0, '0'],
  ])('formatValue(%p) = %p', (v, s) => {
    expect(formatValue(v)).toBe(s);
  });
  test('decimal format avoids binary suffixes', () => {
    expect(formatValue(2048, 'DecimalSI')).toBe('2048');
    expect(formatValue(3000, 'DecimalSI')).toBe('3k');
  });
  test.each([['1.5', '1500m'], ['4Gi', '4Gi'], ['200M', '200M'], ['1e3', '1k'], ['0.5Gi', '512Mi']])('round trip %p -> %p', (input, out) => {
    expect(formatQuantity(parseQuantity(input))).toBe(out);
  });
});
